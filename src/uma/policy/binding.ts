import type { Kardia } from '../../server/context.js';
import type { RequestingParty } from '../claims/requesting-party.js';
import { listPolicies, type Policy } from './policy-store.js';

/**
 * Shares by email bind to a person at their first use (issue 6: "the first access goes through
 * claims gathering and binds the share to the verified identity"). An email address is how the
 * owner names someone who may not have an account yet; once somebody has proved that address
 * and used the share, the share belongs to that identity (issuer and subject), not to whoever
 * holds the address later: a recycled mailbox, or an account at another trusted issuer that
 * verified the same address, meets it no more. Only `grant` policies that name an email value
 * bind; a policy for a group (any licensed doctor, say) never does, and `deny` applies to
 * everyone it names. Changing the people a policy names ends its binding (policy-store.ts).
 */
export const bindsAtFirstUse = (policy: Policy): boolean =>
  policy.mode === 'grant' &&
  policy.required_claims.some((claim) => claim.name === 'email' && claim.value !== undefined);

/** Whether `party` is kept out of `policy` by a binding to somebody else. */
export const boundToAnother = (policy: Policy, party: RequestingParty | undefined): boolean =>
  policy.boundTo !== undefined &&
  party !== undefined &&
  (policy.boundTo.iss !== party.iss || policy.boundTo.sub !== party.sub);

/**
 * Binds those of the policies that justify an RPT (as the assessment read them) that bind at
 * first use and are still unbound to `party`. Answers false when one of them turns out bound to
 * somebody else (a first use by another identity at the same moment), in which case no RPT may
 * be issued on it.
 */
export async function bindAtFirstUse(
  kardia: Kardia,
  owner: string,
  used: Policy[],
  party: RequestingParty,
): Promise<boolean> {
  const unbound = used.filter((p) => bindsAtFirstUse(p) && !p.boundTo).map((p) => p.id);
  if (unbound.length === 0) return true;
  await kardia.store.db
    .updateTable('uma_policies')
    .set({ bound_iss: party.iss, bound_sub: party.sub })
    .where('id', 'in', unbound)
    .where('bound_sub', 'is', null)
    .execute();
  const after = (await listPolicies(kardia, owner)).filter((p) => unbound.includes(p.id));
  return after.every((p) => !boundToAnother(p, party));
}
