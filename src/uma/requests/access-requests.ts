import type { Kardia } from '../../server/context.js';
import type { UmaAccessRequestTable } from '../../store/tables.js';
import { randomToken, sha256 } from '../../util/random.js';
import { nowSeconds } from '../../util/time.js';
import { displayClaims, type RequestingParty } from '../claims/requesting-party.js';
import type { Permission } from '../tickets/tickets.js';

export type AccessRequestStatus = 'pending' | 'allowed' | 'denied';
export const ACCESS_REQUEST_STATUSES: AccessRequestStatus[] = ['pending', 'allowed', 'denied'];

/** Part 3.8: a request the owner is asked to settle. */
export interface AccessRequest {
  id: string;
  owner: string;
  chainId: string;
  permissions: Permission[];
  party: { iss: string; sub: string; claims: Record<string, string> };
  clientId: string;
  status: AccessRequestStatus;
  policyIds: string[];
  createdAt: number;
  settledAt: number | null;
}

/**
 * Part 3.8: records an `ask` outcome, or reuses the open request of the same requesting party,
 * client and permissions, which from now on answers this chain's polls.
 */
export async function openAccessRequest(
  kardia: Kardia,
  input: {
    owner: string;
    chainId: string;
    permissions: Permission[];
    party: RequestingParty;
    clientId: string;
  },
): Promise<string> {
  const { db } = kardia.store;
  const fingerprint = sha256(
    JSON.stringify([
      input.party.iss,
      input.party.sub,
      input.clientId,
      [...input.permissions]
        .map((p) => [p.resource_id, [...p.resource_scopes].sort()])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ]),
  );
  const open = await db
    .selectFrom('uma_access_requests')
    .select('id')
    .where('owner_sub', '=', input.owner)
    .where('fingerprint', '=', fingerprint)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (open) {
    await db
      .updateTable('uma_access_requests')
      .set({ chain_id: input.chainId })
      .where('id', '=', open.id)
      .execute();
    return open.id;
  }
  const id = randomToken(16);
  await db
    .insertInto('uma_access_requests')
    .values({
      id,
      owner_sub: input.owner,
      chain_id: input.chainId,
      fingerprint,
      permissions: JSON.stringify(input.permissions),
      rqp_iss: input.party.iss,
      rqp_sub: input.party.sub,
      rqp_claims: JSON.stringify(displayClaims(input.party)),
      client_id: input.clientId,
      status: 'pending',
      policy_ids: null,
      created_at: nowSeconds(),
      settled_at: null,
    })
    .execute();
  return id;
}

/** Part 3.8: after the owner's `deny`, the chain's next poll gets `request_denied`. */
export async function chainDenied(kardia: Kardia, chainId: string): Promise<boolean> {
  const row = await kardia.store.db
    .selectFrom('uma_access_requests')
    .select('id')
    .where('chain_id', '=', chainId)
    .where('status', '=', 'denied')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Part 3.8, approval in part: what this chain asked in requests the owner allowed. Whatever of
 * it still needs asking was left out of the approval, so it is dropped, not asked again.
 */
export async function answeredOnChain(kardia: Kardia, chainId: string): Promise<Set<string>> {
  const rows = await kardia.store.db
    .selectFrom('uma_access_requests')
    .select('permissions')
    .where('chain_id', '=', chainId)
    .where('status', '=', 'allowed')
    .execute();
  const answered = new Set<string>();
  for (const row of rows) {
    for (const p of JSON.parse(row.permissions) as Permission[]) {
      p.resource_scopes.forEach((scope) => answered.add(`${p.resource_id} ${scope}`));
    }
  }
  return answered;
}

export async function listAccessRequests(
  kardia: Kardia,
  owner: string,
  status?: AccessRequestStatus,
): Promise<AccessRequest[]> {
  let query = kardia.store.db
    .selectFrom('uma_access_requests')
    .selectAll()
    .where('owner_sub', '=', owner);
  if (status) query = query.where('status', '=', status);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id').limit(500).execute();
  return rows.map(toRequest);
}

/** A request of this owner; another owner's id is as unknown as a made-up one. */
export async function findAccessRequest(
  kardia: Kardia,
  owner: string,
  id: string,
): Promise<AccessRequest | undefined> {
  if (id.length > 200) return undefined;
  const row = await kardia.store.db
    .selectFrom('uma_access_requests')
    .selectAll()
    .where('id', '=', id)
    .where('owner_sub', '=', owner)
    .executeTakeFirst();
  return row ? toRequest(row) : undefined;
}

/** Settles a pending request once; answers false when it was settled already. */
export async function settleAccessRequest(
  kardia: Kardia,
  id: string,
  status: 'allowed' | 'denied',
  policyIds: string[],
): Promise<boolean> {
  const result = await kardia.store.db
    .updateTable('uma_access_requests')
    .set({ status, policy_ids: JSON.stringify(policyIds), settled_at: nowSeconds() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The JSON shape answered at the access request endpoint (the client is added there). */
export function accessRequestJson(request: AccessRequest) {
  return {
    id: request.id,
    status: request.status,
    permissions: request.permissions,
    requesting_party: { ...request.party.claims, iss: request.party.iss, sub: request.party.sub },
    ...(request.policyIds.length > 0 ? { policy_ids: request.policyIds } : {}),
    created_at: request.createdAt,
    ...(request.settledAt !== null ? { settled_at: request.settledAt } : {}),
  };
}

function toRequest(row: UmaAccessRequestTable): AccessRequest {
  return {
    id: row.id,
    owner: row.owner_sub,
    chainId: row.chain_id,
    permissions: JSON.parse(row.permissions) as Permission[],
    party: {
      iss: row.rqp_iss,
      sub: row.rqp_sub,
      claims: JSON.parse(row.rqp_claims) as Record<string, string>,
    },
    clientId: row.client_id,
    status: row.status as AccessRequestStatus,
    policyIds: row.policy_ids ? (JSON.parse(row.policy_ids) as string[]) : [],
    createdAt: row.created_at,
    settledAt: row.settled_at,
  };
}
