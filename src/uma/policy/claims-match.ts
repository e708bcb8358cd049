import { ID_TOKEN_FORMATS, type RequestingParty } from '../claims/requesting-party.js';
import type { RequiredClaim } from './policy-shape.js';

/** How a requesting party stands against one required claim. */
export type ClaimCheck = 'met' | 'missing' | 'mismatch';

/**
 * Part 3.7 and 3.2: a claim is met when the party holds it (with the exact value, when the policy
 * names one) from a listed issuer and format. `missing` means more claims could meet it (none
 * known yet, or this claim absent); `mismatch` means this party never will. HU-39: no party
 * means nothing is met.
 */
export function checkClaim(party: RequestingParty | undefined, claim: RequiredClaim): ClaimCheck {
  if (!party) return 'missing';
  if (claim.issuer && !claim.issuer.includes(party.iss)) return 'mismatch';
  // Every claim Kardia counts came as (or stands for) an OpenID Connect ID token.
  if (claim.claim_token_format && !claim.claim_token_format.some(isIdTokenFormat)) {
    return 'mismatch';
  }
  const held = party.claims[claim.name];
  if (held === undefined) return 'missing';
  if (claim.value !== undefined && !sameValue(claim.name, held, claim.value)) return 'mismatch';
  return 'met';
}

const isIdTokenFormat = (format: string) => ID_TOKEN_FORMATS.includes(format);

/** Exact comparison (Part 3.2); email addresses compare without regard to case. */
function sameValue(name: string, held: string, wanted: string): boolean {
  return name === 'email' ? held.toLowerCase() === wanted.toLowerCase() : held === wanted;
}

export const allMet = (party: RequestingParty | undefined, claims: RequiredClaim[]): boolean =>
  claims.every((claim) => checkClaim(party, claim) === 'met');

/** Whether more claims from this party (or any party, when none is known) could meet `claims`. */
export const couldBeMet = (party: RequestingParty | undefined, claims: RequiredClaim[]): boolean =>
  claims.every((claim) => checkClaim(party, claim) !== 'mismatch');
