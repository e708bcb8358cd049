import pg from 'pg';
import { TEST_POSTGRES_URL, usingPostgres } from './database.js';

/** On PostgreSQL runs, fail early and clearly when the server is not reachable. */
export default async function setup(): Promise<void> {
  if (!usingPostgres()) return;
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
}
