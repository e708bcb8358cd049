import pg from 'pg';
import { randomToken } from '../../src/util/random.js';
import { runSchemaPrefix, TEST_POSTGRES_URL, usingPostgres } from './database.js';

/**
 * On PostgreSQL runs: fail early and clearly when the server is not reachable, name this run so
 * its schemas can be told apart, and drop them all when the run ends.
 */
export default async function setup(): Promise<(() => Promise<void>) | void> {
  if (!usingPostgres()) return;
  process.env.KARDIA_TEST_RUN ??=
    randomToken(6)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '') || 'run';
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `KARDIA_TEST_DATABASE=postgres but ${TEST_POSTGRES_URL} is not reachable: ${String(error)}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  return async () => {
    const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await c.connect();
    try {
      const { rows } = await c.query<{ name: string }>(
        'select nspname as name from pg_namespace where nspname like $1',
        [`${runSchemaPrefix().replace(/_/g, '\\_')}%`],
      );
      for (const { name } of rows) await c.query(`drop schema if exists ${name} cascade`);
    } finally {
      await c.end();
    }
  };
}
