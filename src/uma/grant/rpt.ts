import type { Client } from '../../oauth/clients.js';
import type { TokenResponse } from '../../oauth/grants/grant.js';
import { issueToken, revokeByGrant, tokenAudience, verifyOwnToken } from '../../oauth/tokens.js';
import type { Kardia } from '../../server/context.js';
import { randomToken } from '../../util/random.js';
import { nowSeconds } from '../../util/time.js';
import { issuePct } from '../claims/pct.js';
import { partySubject, type RequestingParty } from '../claims/requesting-party.js';
import type { Ticket } from '../tickets/tickets.js';
import type { GrantedScope } from './assess.js';

/** HEART OAuth §3.3 (HU-23, HU-37): RPTs live at most an hour, refresh tokens at most a day. */
const MAX_RPT_TTL = 3600;
const MAX_REFRESH_TTL = 86_400;

/** One RPT permission in the introspection shape (F§5.1.1). */
export interface RptPermission {
  resource_id: string;
  resource_scopes: string[];
  exp?: number;
}

export interface RptInput {
  client: Client;
  ticket: Ticket;
  party: RequestingParty;
  granted: GrantedScope[];
  /** The `rpt` parameter, offered for upgrade (UMA-GRANT-7). */
  offered: string | undefined;
  pctUsed: string | undefined;
  /** Part 3.5: the party asked Kardia to remember the claims gathered for it. */
  remember: boolean;
}

/**
 * The success answer (G§3.3.5, Part 3.4): an RPT (RS256 JWT with `permissions`, `aud` the RS),
 * a refresh token for clients registered for it, a PCT after "remember me", and `upgraded` when
 * an offered RPT's permissions are included. The grant row and one row per (resource, scope,
 * policy) let Part 3.9 revoke exactly what a policy justified. No `scope` (UMA-TOK-2).
 */
export async function issueRpt(kardia: Kardia, input: RptInput): Promise<TokenResponse> {
  const { client, ticket } = input;
  const grantId = randomToken(16);
  const rows = input.granted.map((g) => ({ ...g, grant_id: grantId }));

  const upgrade = await upgradable(kardia, input);
  if (upgrade) {
    for (const old of upgrade.rows) {
      if (!rows.some((r) => r.resourceId === old.resource_id && r.scope === old.scope)) {
        rows.push({
          resourceId: old.resource_id,
          scope: old.scope,
          policyId: old.policy_id,
          exp: undefined,
          grant_id: grantId,
        });
      }
    }
  }

  const now = nowSeconds();
  const ttl = Math.min(kardia.settings.umaRptTtl, MAX_RPT_TTL);
  const policyExp = await policyExpiries(
    kardia,
    rows.map((r) => r.policyId),
  );
  const permissions = toPermissions(rows, policyExp, now + ttl);

  const pct = input.remember ? await issuePct(kardia, client.clientId, input.party) : undefined;
  await kardia.store.db
    .insertInto('uma_rpt_grants')
    .values({
      id: grantId,
      chain_id: ticket.chainId,
      client_id: client.clientId,
      owner_sub: ticket.owner,
      rs_client_id: ticket.rsClientId,
      rqp_sub: partySubject(kardia, input.party),
      pct_used: input.pctUsed ?? null,
      pct_issued: pct?.hash ?? null,
      created_at: now,
      revoked_at: null,
    })
    .execute();
  for (const row of rows) {
    await kardia.store.db
      .insertInto('uma_rpt_permissions')
      .values({
        grant_id: grantId,
        resource_id: row.resourceId,
        scope: row.scope,
        policy_id: row.policyId,
      })
      .execute();
  }

  // Part 3.4: `aud` names the RS by client id; the default audiences stay, so an RS that checks
  // its resource URI (src/access) finds it too.
  const common = {
    clientId: client.clientId,
    sub: partySubject(kardia, input.party),
    scope: '',
    grantId,
    parent: grantId,
    claims: { permissions },
    audience: [ticket.rsClientId, ...(await tokenAudience(kardia))],
  };
  const rpt = await issueToken(kardia, { ...common, kind: 'rpt', ttl });
  // Limitation: the refresh grant keeps every permission; a `scope` parameter there cannot narrow
  // an RPT (UMA-REF-1 MAY), it is refused as invalid_scope. Narrowing would need per-scope rows.
  const refresh = client.grantTypes.includes('refresh_token')
    ? await issueToken(kardia, {
        ...common,
        kind: 'refresh',
        ttl: Math.min(kardia.settings.refreshTokenTtl, MAX_REFRESH_TTL),
      })
    : undefined;

  // UMA-TOK-5: the upgraded RPT (and its refresh token) ends; the client drops it.
  if (upgrade) {
    await revokeByGrant(kardia, upgrade.grantId);
    await kardia.store.db
      .updateTable('uma_rpt_grants')
      .set({ revoked_at: now })
      .where('id', '=', upgrade.grantId)
      .execute();
  }

  return {
    access_token: rpt.token,
    token_type: 'Bearer',
    expires_in: rpt.exp - rpt.iat,
    ...(refresh ? { refresh_token: refresh.token } : {}),
    ...(pct ? { pct: pct.value } : {}),
    ...(upgrade ? { upgraded: true } : {}),
  };
}

/**
 * Part 3.4, HU-36: an offered RPT is upgraded when it is a live RPT of this client for the same
 * owner and RS; an unknown, revoked or foreign one is ignored and `upgraded` is left out.
 */
async function upgradable(kardia: Kardia, input: RptInput) {
  if (!input.offered) return undefined;
  const verified = await verifyOwnToken(kardia, input.offered, ['rpt']);
  if (!verified || verified.revoked || verified.row?.client_id !== input.client.clientId) {
    return undefined;
  }
  const grantId = verified.row.grant_id;
  if (!grantId) return undefined;
  const grant = await kardia.store.db
    .selectFrom('uma_rpt_grants')
    .selectAll()
    .where('id', '=', grantId)
    .executeTakeFirst();
  if (!grant || grant.revoked_at !== null) return undefined;
  if (grant.owner_sub !== input.ticket.owner || grant.rs_client_id !== input.ticket.rsClientId) {
    return undefined;
  }
  const rows = await kardia.store.db
    .selectFrom('uma_rpt_permissions')
    .selectAll()
    .where('grant_id', '=', grantId)
    .execute();
  return { grantId, rows };
}

async function policyExpiries(kardia: Kardia, ids: string[]): Promise<Map<string, number>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await kardia.store.db
    .selectFrom('uma_policies')
    .select(['id', 'exp'])
    .where('id', 'in', unique)
    .execute();
  return new Map(rows.filter((r) => r.exp !== null).map((r) => [r.id, r.exp as number]));
}

/**
 * F§5.1.1: permissions grouped by resource; Part 3.4: a permission carries `exp` when a policy
 * behind it ends before the token does.
 */
function toPermissions(
  rows: { resourceId: string; scope: string; policyId: string }[],
  policyExp: Map<string, number>,
  tokenExp: number,
): RptPermission[] {
  const byResource = new Map<string, RptPermission>();
  for (const row of rows) {
    const permission = byResource.get(row.resourceId) ?? {
      resource_id: row.resourceId,
      resource_scopes: [],
    };
    if (!permission.resource_scopes.includes(row.scope)) permission.resource_scopes.push(row.scope);
    const exp = policyExp.get(row.policyId);
    if (
      exp !== undefined &&
      exp < tokenExp &&
      (permission.exp === undefined || exp < permission.exp)
    ) {
      permission.exp = exp;
    }
    byResource.set(row.resourceId, permission);
  }
  return [...byResource.values()];
}
