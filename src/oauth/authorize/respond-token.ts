import { joinScope } from '../scopes.js';
import { issueToken } from '../tokens.js';
import { type AuthorizationContext, clientOf, sessionOf } from './context.js';

/**
 * The implicit grant (RFC 6749 §4.2.2), HEART OAuth §2.1.3: an access token in the fragment,
 * short-lived (settings.implicitAccessTokenTtl, at most 15 minutes by default, OA-BE-4,
 * OA-LT-3) and never a refresh token (OA-BE-3).
 */
export async function respondWithToken(
  context: AuthorizationContext,
): Promise<Record<string, string>> {
  const { kardia } = context;
  const grant = context.grant;
  if (!grant) throw new Error('token issued without a consent grant');
  const scope = joinScope(context.scopes);
  const ttl = kardia.settings.implicitAccessTokenTtl;
  const issued = await issueToken(kardia, {
    kind: 'access',
    clientId: clientOf(context).clientId,
    sub: sessionOf(context).sub,
    scope,
    ttl,
    grantId: grant.id,
  });
  return {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: String(ttl),
    scope,
  };
}
