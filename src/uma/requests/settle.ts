import { OAuthError } from '../../oauth/errors.js';
import type { Kardia } from '../../server/context.js';
import { nowSeconds } from '../../util/time.js';
import { createPolicy } from '../policy/policy-store.js';
import { findResource } from '../resources/resource-store.js';
import { grantsOfChain, revokeUmaGrants } from '../revocation/revoke-grants.js';
import { narrowChain, type Permission } from '../tickets/tickets.js';
import { type AccessRequest, settleAccessRequest } from './access-requests.js';

/** The owner's answer to one access request (Part 3.8). */
export interface Decision {
  decision: 'allow' | 'deny';
  /** Approve in part: only these scopes (of those asked). */
  scopes?: string[];
  /** Approve in part: only these resources (of those asked). */
  resourceIds?: string[];
  exp?: number;
}

const alreadySettled = () =>
  new OAuthError('invalid_request', 'this access request has already been settled');

/**
 * Part 3.8: `allow` creates `grant` policies for this requesting party (`sub` at its `iss`) on
 * what the owner approved, fully or in part, and narrows the waiting ticket chain to it, so the
 * client's next poll gets an RPT for exactly that. `deny` closes the request: the next poll gets
 * `request_denied`, and (Part 3.9) anything the chain already obtained is revoked.
 */
export async function settle(
  kardia: Kardia,
  request: AccessRequest,
  decision: Decision,
): Promise<string[]> {
  if (request.status !== 'pending') throw alreadySettled();
  if (decision.decision === 'deny') {
    if (!(await settleAccessRequest(kardia, request.id, 'denied', []))) throw alreadySettled();
    await revokeUmaGrants(kardia, await grantsOfChain(kardia, request.chainId));
    return [];
  }

  const approved = await approvedPermissions(kardia, request, decision);
  const policyIds: string[] = [];
  for (const group of groupByScopes(approved)) {
    const policy = await createPolicy(kardia, request.owner, {
      resource_ids: group.resourceIds,
      resource_scopes: group.scopes,
      required_claims: [{ name: 'sub', value: request.party.sub, issuer: [request.party.iss] }],
      mode: 'grant',
      ...(decision.exp !== undefined ? { exp: decision.exp } : {}),
      description: `Approved request ${request.id}`,
    });
    policyIds.push(policy.id);
  }
  if (!(await settleAccessRequest(kardia, request.id, 'allowed', policyIds))) {
    throw alreadySettled();
  }
  await narrowChain(kardia, request.chainId, (permissions) =>
    permissions.flatMap((permission) => {
      const asked = request.permissions.find((p) => p.resource_id === permission.resource_id);
      if (!asked) return [permission];
      const granted = approved.find((p) => p.resource_id === permission.resource_id);
      const scopes = [
        ...permission.resource_scopes.filter((s) => !asked.resource_scopes.includes(s)),
        ...(granted?.resource_scopes ?? []),
      ];
      return scopes.length > 0 ? [{ ...permission, resource_scopes: [...new Set(scopes)] }] : [];
    }),
  );
  return policyIds;
}

/** What was asked, narrowed by the owner's choice; the choice may only narrow. */
async function approvedPermissions(
  kardia: Kardia,
  request: AccessRequest,
  decision: Decision,
): Promise<Permission[]> {
  const askedIds = request.permissions.map((p) => p.resource_id);
  const askedScopes = new Set(request.permissions.flatMap((p) => p.resource_scopes));
  if (decision.resourceIds?.some((id) => !askedIds.includes(id))) {
    throw new OAuthError('invalid_request', 'resource_ids may only name resources asked for');
  }
  if (decision.scopes?.some((scope) => !askedScopes.has(scope))) {
    throw new OAuthError('invalid_request', 'resource_scopes may only name scopes asked for');
  }
  if (decision.exp !== undefined && decision.exp <= nowSeconds()) {
    throw new OAuthError('invalid_request', 'exp must be in the future');
  }
  const approved: Permission[] = [];
  for (const permission of request.permissions) {
    if (decision.resourceIds && !decision.resourceIds.includes(permission.resource_id)) continue;
    const scopes = permission.resource_scopes.filter(
      (scope) => !decision.scopes || decision.scopes.includes(scope),
    );
    const resource = await findResource(kardia, permission.resource_id);
    if (scopes.length > 0 && resource?.owner === request.owner) {
      approved.push({ resource_id: permission.resource_id, resource_scopes: scopes });
    }
  }
  if (approved.length === 0) {
    throw new OAuthError('invalid_request', 'nothing is left to approve; deny the request instead');
  }
  return approved;
}

/** One policy per distinct scope set, since a policy's scopes hold for all its resources. */
function groupByScopes(permissions: Permission[]) {
  const groups = new Map<string, { scopes: string[]; resourceIds: string[] }>();
  for (const p of permissions) {
    const scopes = [...p.resource_scopes].sort();
    const key = JSON.stringify(scopes);
    const group = groups.get(key) ?? { scopes, resourceIds: [] };
    group.resourceIds.push(p.resource_id);
    groups.set(key, group);
  }
  return [...groups.values()];
}
