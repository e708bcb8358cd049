import type { RequestingParty } from '../claims/requesting-party.js';
import { boundToAnother } from './binding.js';
import { allMet, checkClaim, couldBeMet } from './claims-match.js';
import type { RequiredClaim } from './policy-shape.js';
import type { Policy } from './policy-store.js';

/** The answer for one requested (resource, scope). */
export type ScopeOutcome =
  | { kind: 'grant'; policyId: string; exp: number | undefined }
  | { kind: 'ask' }
  | { kind: 'need_info'; missing: RequiredClaim[] }
  | { kind: 'denied' };

/**
 * Part 3.7, exactly in this order, for one (resource, scope): a matching `deny` wins; else a
 * satisfied `grant`; else a satisfied `ask`; else, if some `grant` or `ask` could be met with
 * more claims, `need_info`; else `request_denied`. Expired policies, and shares bound to
 * somebody else, are ignored. HU-39, UMA-ASSESS-4: with no policy, nothing is granted.
 */
export function evaluateScope(
  policies: Policy[],
  resourceId: string,
  scope: string,
  party: RequestingParty | undefined,
  now: number,
): ScopeOutcome {
  const applicable = policies.filter(
    (p) =>
      p.resource_ids.includes(resourceId) &&
      p.resource_scopes.includes(scope) &&
      (p.exp === undefined || p.exp > now) &&
      // A share bound to one person at its first use is nothing to anybody else (binding.ts).
      !boundToAnother(p, party),
  );
  const of = (mode: Policy['mode']) => applicable.filter((p) => p.mode === mode);

  if (of('deny').some((p) => allMet(party, p.required_claims))) return { kind: 'denied' };

  const grants = of('grant').filter((p) => allMet(party, p.required_claims));
  if (grants.length > 0) {
    // The longest-lived satisfied grant justifies the permission.
    const best = grants.reduce((a, b) => ((b.exp ?? Infinity) > (a.exp ?? Infinity) ? b : a));
    return { kind: 'grant', policyId: best.id, exp: best.exp };
  }
  if (of('ask').some((p) => allMet(party, p.required_claims))) return { kind: 'ask' };

  const reachable = [...of('grant'), ...of('ask')].filter((p) =>
    couldBeMet(party, p.required_claims),
  );
  if (reachable.length > 0) {
    const missing = reachable.flatMap((p) =>
      p.required_claims.filter((claim) => checkClaim(party, claim) === 'missing'),
    );
    return { kind: 'need_info', missing };
  }
  return { kind: 'denied' };
}
