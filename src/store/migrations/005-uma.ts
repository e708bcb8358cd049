import type { Kysely } from 'kysely';

/**
 * The UMA authorization server's tables (src/uma): registered resources, permission tickets,
 * claims-gathering interactions, persisted claims tokens, owner policies, access requests, and
 * the record of which policy justified each RPT permission (heart-uma2.md Part 3.9).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // F§3: one row per registered resource, owned by the PAT's owner, registered by the PAT's RS.
  await db.schema
    .createTable('uma_resources')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_sub', 'text', (c) => c.notNull())
    .addColumn('rs_client_id', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('uma_resources_owner')
    .on('uma_resources')
    .columns(['owner_sub', 'rs_client_id'])
    .execute();

  // G§5.4, Part 3.3: tickets stored by hash; a chain links a ticket to its continuations.
  await db.schema
    .createTable('uma_tickets')
    .addColumn('ticket_hash', 'text', (c) => c.primaryKey())
    .addColumn('chain_id', 'text', (c) => c.notNull())
    .addColumn('owner_sub', 'text', (c) => c.notNull())
    .addColumn('rs_client_id', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('claims', 'text')
    .addColumn('remember', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('uma_tickets_chain').on('uma_tickets').column('chain_id').execute();
  await db.schema
    .createIndex('uma_tickets_expires')
    .on('uma_tickets')
    .column('expires_at')
    .execute();

  // UMA-CG: a requesting party's visit to the claims interaction endpoint, by hashed handle.
  await db.schema
    .createTable('uma_interactions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('ticket_hash', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('claims_redirect_uri', 'text', (c) => c.notNull())
    .addColumn('state', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('done_at', 'bigint')
    .execute();

  // G§5.2, Part 3.5: persisted claims tokens, by hash, bound to a client.
  await db.schema
    .createTable('uma_pcts')
    .addColumn('pct_hash', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('claims_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // Part 3.7: the owner's policies.
  await db.schema
    .createTable('uma_policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_sub', 'text', (c) => c.notNull())
    .addColumn('resource_ids', 'text', (c) => c.notNull())
    .addColumn('resource_scopes', 'text', (c) => c.notNull())
    .addColumn('required_claims', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('exp', 'bigint')
    .addColumn('description', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('uma_policies_owner')
    .on('uma_policies')
    .column('owner_sub')
    .execute();

  // Part 3.8: requests waiting for (or settled by) the owner.
  await db.schema
    .createTable('uma_access_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_sub', 'text', (c) => c.notNull())
    .addColumn('chain_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('rqp_iss', 'text', (c) => c.notNull())
    .addColumn('rqp_sub', 'text', (c) => c.notNull())
    .addColumn('rqp_claims', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('policy_ids', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('settled_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('uma_access_requests_owner')
    .on('uma_access_requests')
    .columns(['owner_sub', 'status'])
    .execute();
  await db.schema
    .createIndex('uma_access_requests_chain')
    .on('uma_access_requests')
    .column('chain_id')
    .execute();

  // Part 3.9: one row per successful uma-ticket grant; its RPT and refresh token descend from it.
  await db.schema
    .createTable('uma_rpt_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('chain_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('owner_sub', 'text', (c) => c.notNull())
    .addColumn('rs_client_id', 'text', (c) => c.notNull())
    .addColumn('rqp_sub', 'text', (c) => c.notNull())
    .addColumn('pct_used', 'text')
    .addColumn('pct_issued', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('uma_rpt_grants_chain')
    .on('uma_rpt_grants')
    .column('chain_id')
    .execute();

  // Part 3.9: each RPT permission (resource, scope) with the policy that granted it.
  await db.schema
    .createTable('uma_rpt_permissions')
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('policy_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('uma_rpt_permissions_pk', ['grant_id', 'resource_id', 'scope'])
    .execute();
  await db.schema
    .createIndex('uma_rpt_permissions_policy')
    .on('uma_rpt_permissions')
    .column('policy_id')
    .execute();
  await db.schema
    .createIndex('uma_rpt_permissions_resource')
    .on('uma_rpt_permissions')
    .column('resource_id')
    .execute();
}
