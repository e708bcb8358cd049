import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomToken } from '../../src/util/random.js';

/** The tests run on SQLite by default and on PostgreSQL with KARDIA_TEST_DATABASE=postgres. */
export const usingPostgres = (): boolean => process.env.KARDIA_TEST_DATABASE === 'postgres';

export const TEST_POSTGRES_URL =
  process.env.KARDIA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Every schema of one test run starts with this, so the run's teardown can drop them all. */
export function runSchemaPrefix(): string {
  const run = (process.env.KARDIA_TEST_RUN ?? 'local').toLowerCase().replace(/[^a-z0-9]/g, '');
  return `t_${run}_`;
}

/** A database of its own for one test file: a temporary SQLite file or a PostgreSQL schema. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (usingPostgres()) {
    const schema = `${runSchemaPrefix()}${randomToken(9)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')}`;
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    // Schemas are dropped together when the run ends (global-setup.ts), never one by one while
    // other files run: Kysely's migrator lists the tables of every schema, and a schema dropped
    // under it fails that listing.
    return { url: `${TEST_POSTGRES_URL}?schema=${schema}`, drop: async () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kardia-test-'));
  return {
    url: `sqlite:${join(dir, 'kardia.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
