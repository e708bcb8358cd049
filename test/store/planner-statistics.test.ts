import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../helpers/database.js';

/**
 * SQLite plans by table statistics; without them a patient's search in a large database walked
 * every resource of its type. The store gathers them when it opens (src/store/database.ts).
 */
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('query planner statistics', () => {
  it.skipIf(usingPostgres())(
    'gathers SQLite statistics of the FHIR tables when the store opens (PostgreSQL: autovacuum does)',
    async () => {
      const first = openStore(database.url);
      await migrateToLatest(first);
      await first.db
        .insertInto('fhir_compartments')
        .values(
          Array.from({ length: 200 }, (_, i) => ({
            resource_type: 'Observation',
            id: `obs-${i}`,
            patient_id: `patient-${i % 20}`,
          })),
        )
        .execute();
      await first.close();

      const second = openStore(database.url);
      const { rows } = await sql<{ idx: string }>`select idx from sqlite_stat1`.execute(second.db);
      await second.close();
      expect(rows.map((row) => row.idx)).toContain('fhir_compartments_patient');
    },
  );
});
