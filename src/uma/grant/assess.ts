import type { Kardia } from '../../server/context.js';
import { nowSeconds } from '../../util/time.js';
import type { RequestingParty } from '../claims/requesting-party.js';
import { evaluateScope } from '../policy/evaluate.js';
import type { RequiredClaim } from '../policy/policy-shape.js';
import { listPolicies, type Policy } from '../policy/policy-store.js';
import { answeredOnChain, chainDenied } from '../requests/access-requests.js';
import type { Permission } from '../tickets/tickets.js';
import type { Requested } from './requested-permissions.js';

/** One granted (resource, scope), with the policy that granted it (Part 3.9). */
export interface GrantedScope {
  resourceId: string;
  scope: string;
  policyId: string;
  exp: number | undefined;
}

/** The verdict on a whole request (Part 3.10: no partial grants). */
export type Assessment =
  | { kind: 'grant'; granted: GrantedScope[]; policies: Policy[] }
  | { kind: 'denied' }
  | { kind: 'need_info'; missing: RequiredClaim[] }
  | { kind: 'ask'; asked: Permission[] };

/**
 * G§3.3.4, UMA-ASSESS-2, UMA-ASSESS-3: every requested (resource, scope) is evaluated against
 * the owner's policies with what Kardia knows of the requesting party. All or nothing (Part
 * 3.10): any refusal refuses the request, chosen in the order `request_denied`, `need_info`,
 * `request_submitted`. After the owner denied this chain's request, `ask` means denied; after an
 * approval in part, what was asked and left out is dropped rather than asked again (3.8).
 */
export async function assess(
  kardia: Kardia,
  owner: string,
  chainId: string,
  requested: Requested[],
  party: RequestingParty | undefined,
): Promise<Assessment> {
  const policies = await listPolicies(kardia, owner);
  const answered = await answeredOnChain(kardia, chainId);
  const now = nowSeconds();
  const granted: GrantedScope[] = [];
  const missing: RequiredClaim[] = [];
  const asked: Permission[] = [];
  let denied = false;
  let needInfo = false;
  for (const { resource, scopes } of requested) {
    const askedScopes: string[] = [];
    for (const scope of scopes) {
      const outcome = evaluateScope(policies, resource.id, scope, party, now);
      switch (outcome.kind) {
        case 'denied':
          denied = true;
          break;
        case 'need_info':
          needInfo = true;
          missing.push(...outcome.missing);
          break;
        case 'ask':
          if (!answered.has(`${resource.id} ${scope}`)) askedScopes.push(scope);
          break;
        case 'grant':
          granted.push({
            resourceId: resource.id,
            scope,
            policyId: outcome.policyId,
            exp: outcome.exp,
          });
      }
    }
    if (askedScopes.length > 0) {
      asked.push({ resource_id: resource.id, resource_scopes: askedScopes });
    }
  }
  if (denied) return { kind: 'denied' };
  if (needInfo) return { kind: 'need_info', missing };
  if (asked.length > 0) {
    return (await chainDenied(kardia, chainId)) ? { kind: 'denied' } : { kind: 'ask', asked };
  }
  // What the owner left out of an approval in part is dropped; if nothing is left, refuse.
  if (granted.length === 0) return { kind: 'denied' };
  const used = new Set(granted.map((g) => g.policyId));
  return { kind: 'grant', granted, policies: policies.filter((p) => used.has(p.id)) };
}
