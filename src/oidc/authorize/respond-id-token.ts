import { findUserBySub } from '../../account/users.js';
import { type AuthorizationContext, clientOf, sessionOf } from '../../oauth/authorize/context.js';
import { respondWithToken } from '../../oauth/authorize/respond-token.js';
import { userClaims } from '../claims.js';
import { authenticationFrom, type IdTokenInput, issueIdToken } from '../id-token.js';

/**
 * OIDC Core §3.2.2.5, `id_token token`: the implicit grant's access token (short-lived, never a
 * refresh token, HEART OAuth §2.1.3) with an ID token beside it in the fragment. The ID token
 * carries `at_hash` (§3.2.2.10, OIDC-ID-15) and the `nonce`; the user's claims stay behind
 * UserInfo, which the access token opens (§5.4).
 */
export async function respondWithIdTokenAndToken(
  context: AuthorizationContext,
): Promise<Record<string, string>> {
  const response = await respondWithToken(context);
  response.id_token = await idToken(context, { accessToken: response.access_token });
  return response;
}

/**
 * OIDC Core §3.2.2.5, `id_token`: the ID token alone. No access token is issued, so the claims
 * the granted scopes release travel in the ID token itself (§5.4).
 */
export async function respondWithIdToken(
  context: AuthorizationContext,
): Promise<Record<string, string>> {
  const user = await findUserBySub(context.kardia, sessionOf(context).sub);
  const claims = user ? userClaims(user, context.scopes) : {};
  return { id_token: await idToken(context, { claims }) };
}

/** The implicit response types of the OpenID provider, each answered in the fragment. */
export const implicitResponders = {
  'id_token token': respondWithIdTokenAndToken,
  id_token: respondWithIdToken,
};

/** The ID token for what this request's checks settled: nonce, auth_time, vot or acr, amr. */
function idToken(
  context: AuthorizationContext,
  alongside: Pick<IdTokenInput, 'accessToken' | 'claims'>,
): Promise<string> {
  return issueIdToken(context.kardia, {
    ...authenticationFrom(sessionOf(context).sub, context.extra),
    client: clientOf(context),
    ...alongside,
  });
}
