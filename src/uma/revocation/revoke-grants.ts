import { revokeFamily } from '../../oauth/tokens.js';
import type { Kardia } from '../../server/context.js';
import { nowSeconds } from '../../util/time.js';

/**
 * Part 3.9, HU-38, UMA-REF-4: ends RPT grants at once. Each grant's RPT and refresh token have
 * the grant id as parent and grant_id, and every refreshed token descends from them, so the
 * token family goes; so do the PCTs issued with the grant or used to obtain it. Introspection
 * reads the same rows, so it answers `active:false` from the next request on.
 */
export async function revokeUmaGrants(kardia: Kardia, grantIds: string[]): Promise<number> {
  const ids = [...new Set(grantIds)];
  if (ids.length === 0) return 0;
  const now = nowSeconds();
  const { db } = kardia.store;
  let count = 0;
  for (let start = 0; start < ids.length; start += 500) {
    const batch = ids.slice(start, start + 500);
    await db
      .updateTable('uma_rpt_grants')
      .set({ revoked_at: now })
      .where('id', 'in', batch)
      .where('revoked_at', 'is', null)
      .execute();
    const tokens = await db
      .selectFrom('tokens')
      .select('jti')
      .where('grant_id', 'in', batch)
      .where('revoked_at', 'is', null)
      .execute();
    count += await revokeFamily(kardia, [...batch, ...tokens.map((t) => t.jti)]);
    const pcts = await db
      .selectFrom('uma_rpt_grants')
      .select(['pct_used', 'pct_issued'])
      .where('id', 'in', batch)
      .execute();
    const hashes = pcts.flatMap((p) => [p.pct_used, p.pct_issued]).filter((h) => h !== null);
    if (hashes.length > 0) {
      await db
        .updateTable('uma_pcts')
        .set({ revoked_at: now })
        .where('pct_hash', 'in', hashes)
        .where('revoked_at', 'is', null)
        .execute();
    }
  }
  return count;
}

/** The live grants holding a permission from `policyId`. */
export async function grantsOfPolicy(kardia: Kardia, policyId: string): Promise<string[]> {
  const rows = await kardia.store.db
    .selectFrom('uma_rpt_permissions')
    .innerJoin('uma_rpt_grants', 'uma_rpt_grants.id', 'uma_rpt_permissions.grant_id')
    .select('uma_rpt_grants.id')
    .where('uma_rpt_permissions.policy_id', '=', policyId)
    .where('uma_rpt_grants.revoked_at', 'is', null)
    .execute();
  return rows.map((r) => r.id);
}

/** The live grants holding a permission on `resourceId` (for some of `scopes`, when given). */
export async function grantsOfResource(
  kardia: Kardia,
  resourceId: string,
  scopes?: string[],
): Promise<string[]> {
  if (scopes && scopes.length === 0) return [];
  let query = kardia.store.db
    .selectFrom('uma_rpt_permissions')
    .innerJoin('uma_rpt_grants', 'uma_rpt_grants.id', 'uma_rpt_permissions.grant_id')
    .select('uma_rpt_grants.id')
    .where('uma_rpt_permissions.resource_id', '=', resourceId)
    .where('uma_rpt_grants.revoked_at', 'is', null);
  if (scopes) query = query.where('uma_rpt_permissions.scope', 'in', scopes);
  const rows = await query.execute();
  return rows.map((r) => r.id);
}

/** The live grants obtained through one ticket chain (Part 3.3: a replayed ticket ends them). */
export async function grantsOfChain(kardia: Kardia, chainId: string): Promise<string[]> {
  const rows = await kardia.store.db
    .selectFrom('uma_rpt_grants')
    .select('id')
    .where('chain_id', '=', chainId)
    .where('revoked_at', 'is', null)
    .execute();
  return rows.map((r) => r.id);
}
