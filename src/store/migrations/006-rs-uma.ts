import type { Kysely } from 'kysely';

/**
 * The RS side of UMA (src/access/uma): the FHIR server's own OAuth client at its AS (one-process
 * mode only), each owner's PAT and refresh token (sealed, never in clear), the code flows in
 * progress when an owner connects their record, and the resources the RS registered for each
 * record (heart-fhir.md 2.3). The RS never reads the AS's `uma_*` tables, nor the AS these.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // heart-uma2.md 3.1: the RS as a full OAuth client (code + refresh, uma_protection).
  await db.schema
    .createTable('rs_uma_client')
    .addColumn('as_issuer', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // One PAT per owner (F§1.3: per owner, RS and AS). Tokens sealed with AES-256-GCM.
  await db.schema
    .createTable('rs_uma_links')
    .addColumn('owner_sub', 'text', (c) => c.primaryKey())
    .addColumn('pat_sealed', 'text', (c) => c.notNull())
    .addColumn('pat_exp', 'bigint', (c) => c.notNull())
    .addColumn('refresh_sealed', 'text')
    .addColumn('refresh_exp', 'bigint')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('lease_until', 'bigint')
    .addColumn('linked_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // A connect flow between the redirect to /authorize and the callback: state and browser bound.
  await db.schema
    .createTable('rs_uma_pending')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    .addColumn('verifier_sealed', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  // heart-fhir.md 2.3: one row per (record, type) registered; `*` is the whole record.
  await db.schema
    .createTable('rs_uma_resources')
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addColumn('fhir_type', 'text', (c) => c.notNull())
    .addColumn('owner_sub', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('policy_uri', 'text')
    .addColumn('registered_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rs_uma_resources_pk', ['patient_id', 'fhir_type'])
    .execute();
  await db.schema
    .createIndex('rs_uma_resources_owner')
    .on('rs_uma_resources')
    .column('owner_sub')
    .execute();
  await db.schema
    .createIndex('rs_uma_resources_id')
    .on('rs_uma_resources')
    .column('resource_id')
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['rs_uma_resources', 'rs_uma_pending', 'rs_uma_links', 'rs_uma_client']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
