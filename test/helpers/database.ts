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

/** A database of its own for one test file: a temporary SQLite file or a PostgreSQL schema. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (usingPostgres()) {
    const schema = `t_${randomToken(9)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')}`;
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    return {
      url: `${TEST_POSTGRES_URL}?schema=${schema}`,
      drop: async () => {
        const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
        await c.connect();
        await c.query(`drop schema if exists ${schema} cascade`);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kardia-test-'));
  return {
    url: `sqlite:${join(dir, 'kardia.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
