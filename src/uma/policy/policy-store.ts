import type { Kardia } from '../../server/context.js';
import type { UmaPolicyTable } from '../../store/tables.js';
import { randomToken } from '../../util/random.js';
import { nowSeconds } from '../../util/time.js';
import type { PolicyInput, PolicyMode, RequiredClaim } from './policy-shape.js';

/** A stored policy: the owner's input plus its id, owner and times. */
export interface Policy extends PolicyInput {
  id: string;
  owner: string;
  /** The identity a share by email was bound to at its first use (binding.ts). */
  boundTo?: { iss: string; sub: string };
  createdAt: number;
  updatedAt: number;
}

export async function createPolicy(
  kardia: Kardia,
  owner: string,
  input: PolicyInput,
): Promise<Policy> {
  const now = nowSeconds();
  const policy: Policy = { ...input, id: randomToken(16), owner, createdAt: now, updatedAt: now };
  await kardia.store.db
    .insertInto('uma_policies')
    .values({
      ...columns(input),
      id: policy.id,
      owner_sub: owner,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return policy;
}

/** A policy of this owner; another owner's id is as unknown as a made-up one. */
export async function findPolicy(
  kardia: Kardia,
  owner: string,
  id: string,
): Promise<Policy | undefined> {
  if (id.length > 200) return undefined;
  const row = await kardia.store.db
    .selectFrom('uma_policies')
    .selectAll()
    .where('id', '=', id)
    .where('owner_sub', '=', owner)
    .executeTakeFirst();
  return row ? toPolicy(row) : undefined;
}

/**
 * Stores the owner's new version of a policy. When it names other people (`required_claims`
 * changed), the binding to the identity that first used it ends with the old version.
 */
export async function replacePolicy(kardia: Kardia, id: string, input: PolicyInput): Promise<void> {
  const { db } = kardia.store;
  const before = await db
    .selectFrom('uma_policies')
    .select('required_claims')
    .where('id', '=', id)
    .executeTakeFirst();
  const values = columns(input);
  const samePeople = before?.required_claims === values.required_claims;
  await db
    .updateTable('uma_policies')
    .set({
      ...values,
      ...(samePeople ? {} : { bound_iss: null, bound_sub: null }),
      updated_at: nowSeconds(),
    })
    .where('id', '=', id)
    .execute();
}

export async function deletePolicy(kardia: Kardia, id: string): Promise<void> {
  await kardia.store.db.deleteFrom('uma_policies').where('id', '=', id).execute();
}

/** Every policy of an owner, oldest first. An owner has tens of them, not millions. */
export async function listPolicies(kardia: Kardia, owner: string): Promise<Policy[]> {
  const rows = await kardia.store.db
    .selectFrom('uma_policies')
    .selectAll()
    .where('owner_sub', '=', owner)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toPolicy);
}

/** A deleted resource leaves the owner's policies; a policy left with no resource goes. */
export async function forgetResourceInPolicies(
  kardia: Kardia,
  owner: string,
  resourceId: string,
): Promise<void> {
  for (const policy of await listPolicies(kardia, owner)) {
    if (!policy.resource_ids.includes(resourceId)) continue;
    const rest = policy.resource_ids.filter((id) => id !== resourceId);
    if (rest.length === 0) await deletePolicy(kardia, policy.id);
    else await replacePolicy(kardia, policy.id, { ...policy, resource_ids: rest });
  }
}

/** The JSON shape answered by the policy API. */
export function policyJson(policy: Policy): Record<string, unknown> {
  return {
    id: policy.id,
    resource_ids: policy.resource_ids,
    resource_scopes: policy.resource_scopes,
    required_claims: policy.required_claims,
    mode: policy.mode,
    ...(policy.exp !== undefined ? { exp: policy.exp } : {}),
    ...(policy.description !== undefined ? { description: policy.description } : {}),
    // Kardia's extension: who a share by email is bound to since its first use (binding.ts).
    ...(policy.boundTo ? { bound_to: policy.boundTo } : {}),
    created_at: policy.createdAt,
    updated_at: policy.updatedAt,
  };
}

const columns = (input: PolicyInput) => ({
  resource_ids: JSON.stringify(input.resource_ids),
  resource_scopes: JSON.stringify(input.resource_scopes),
  required_claims: JSON.stringify(input.required_claims),
  mode: input.mode,
  exp: input.exp ?? null,
  description: input.description ?? null,
});

function toPolicy(row: UmaPolicyTable): Policy {
  return {
    id: row.id,
    owner: row.owner_sub,
    resource_ids: JSON.parse(row.resource_ids) as string[],
    resource_scopes: JSON.parse(row.resource_scopes) as string[],
    required_claims: JSON.parse(row.required_claims) as RequiredClaim[],
    mode: row.mode as PolicyMode,
    ...(row.exp !== null ? { exp: row.exp } : {}),
    ...(row.description !== null ? { description: row.description } : {}),
    ...(row.bound_iss !== null && row.bound_sub !== null
      ? { boundTo: { iss: row.bound_iss, sub: row.bound_sub } }
      : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
