import type { Client } from '../../oauth/clients.js';
import { OAuthError } from '../../oauth/errors.js';
import type { Kardia } from '../../server/context.js';
import { ID_TOKEN_FORMATS } from '../claims/requesting-party.js';
import { trustedClaimIssuers } from '../claims/trusted-issuers.js';
import type { RequiredClaim } from '../policy/policy-shape.js';
import { umaUrls } from '../urls.js';

/**
 * G§3.3.6, UMA-ERR-3, Part 3.2: 403 `need_info` with a new ticket, `required_claims` hints and,
 * for a client that registered claims redirect URIs, `redirect_user` (UMA-ERR-4, HU-28). The
 * hints name claims, formats and issuers, never the value a policy expects.
 */
export function needInfo(
  kardia: Kardia,
  client: Client,
  ticket: string,
  missing: RequiredClaim[],
): OAuthError {
  const issuers = trustedClaimIssuers(kardia).map((entry) => entry.issuer);
  const hints = new Map<string, Record<string, unknown>>();
  for (const claim of missing.length > 0 ? missing : [undefined]) {
    const hint = {
      ...(claim ? { name: claim.name } : {}),
      claim_token_format: [...ID_TOKEN_FORMATS],
      issuer: claim?.issuer ?? issuers,
    };
    hints.set(JSON.stringify(hint), hint);
  }
  const claimsRedirect = client.metadata.claims_redirect_uris;
  const interactive = Array.isArray(claimsRedirect) && claimsRedirect.length > 0;
  return new OAuthError('need_info', 'more claims about the requesting party are needed', {
    extra: {
      ticket,
      required_claims: [...hints.values()],
      ...(interactive ? { redirect_user: umaUrls(kardia).claimsInteraction } : {}),
    },
  });
}

/** G§3.3.6, UMA-ERR-6, Part 3.6: the owner has been asked; poll again after `interval`. */
export const requestSubmitted = (kardia: Kardia, ticket: string): OAuthError =>
  new OAuthError('request_submitted', 'the resource owner has been asked; try again later', {
    extra: { ticket, interval: kardia.settings.umaPollInterval },
  });

/** G§3.3.6, UMA-ERR-5: policy refuses this client or requesting party. */
export const requestDenied = (): OAuthError =>
  new OAuthError('request_denied', 'the resource owner does not allow this access');
