import { Migrator, type Migration, type MigrationProvider, sql } from 'kysely';
import type { Store } from './database.js';
import * as authorizationServer from './migrations/001-authorization-server.js';
import * as fhir from './migrations/002-fhir.js';
import * as access from './migrations/003-access.js';
import * as oidc from './migrations/004-oidc.js';
import * as uma from './migrations/005-uma.js';
import * as rsUma from './migrations/006-rs-uma.js';
import * as shareBinding from './migrations/007-share-binding.js';

/**
 * Migrations live in code, in order. Each feature that owns tables adds its file here; the
 * AS never reads FHIR tables and the RS never reads AS tables, but both share one migrator.
 */
const migrations: Record<string, Migration> = {
  '001-authorization-server': authorizationServer,
  '002-fhir': fhir,
  '003-access': access,
  '004-oidc': oidc,
  '005-uma': uma,
  '006-rs-uma': rsUma,
  '007-share-binding': shareBinding,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(store: Store): Promise<string[]> {
  // Kysely looks for its migration tables in every schema it can see unless told which one, so
  // on PostgreSQL another schema's tables (another deployment or test) would hide ours.
  const schema = store.dialect === 'postgres' ? await currentSchema(store) : undefined;
  const migrator = new Migrator({
    db: store.db,
    provider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function currentSchema(store: Store): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(
    store.db,
  );
  return rows[0]?.schema ?? undefined;
}
