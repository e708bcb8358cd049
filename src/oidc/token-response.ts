import type { CodeRedemption } from '../oauth/grants/authorization-code.js';
import type { TokenResponse } from '../oauth/grants/grant.js';
import { parseScope } from '../oauth/scopes.js';
import { authenticationFrom, issueIdToken } from './id-token.js';

/**
 * OIDC Core §3.1.3.3: the token response to a code issued for `openid` carries an ID token,
 * with the `nonce`, `auth_time`, `vot` or `acr`, and `amr` the authorization request settled,
 * and `at_hash` of the access token beside it.
 */
export async function addIdToken(redemption: CodeRedemption, response: TokenResponse) {
  const { code, client, context } = redemption;
  const extra = code.extra;
  if (extra.openid !== true || !parseScope(code.scope).includes('openid')) return;
  const authentication = authenticationFrom(code.sub, extra);
  // SMART App Launch 2: with `fhirUser` granted, the ID token names the user's FHIR resource,
  // as the launch context (added to the response before this hook) says.
  const fhirUser =
    typeof response.fhirUser === 'string' && parseScope(code.scope).includes('fhirUser')
      ? { fhirUser: response.fhirUser }
      : undefined;
  response.id_token = await issueIdToken(context.kardia, {
    ...authentication,
    ...(fhirUser ? { claims: fhirUser } : {}),
    client,
    nonce: code.nonce,
    authTime: authentication.authTime ?? code.auth_time,
    accessToken: response.access_token,
  });
}
