import { randomToken, sha256 } from '../../util/random.js';
import { nowSeconds } from '../../util/time.js';
import { joinScope } from '../scopes.js';
import { type AuthorizationContext, clientOf, sessionOf } from './context.js';

/**
 * RFC 6749 §4.1.2, RFC 6819 §5.1.5.3: a code of 256 random bits, stored only as its SHA-256,
 * short-lived (settings.codeTtl) and bound to the client, redirect URI, scope, PKCE challenge,
 * user and consent grant. `extra` carries the OpenID provider's values into the token response.
 */
export async function respondWithCode(
  context: AuthorizationContext,
): Promise<Record<string, string>> {
  const { kardia } = context;
  const session = sessionOf(context);
  const grant = context.grant;
  if (!grant || !context.redirectUri) throw new Error('code issued without grant or redirect URI');
  const code = randomToken(32);
  const now = nowSeconds();
  const nonce = typeof context.extra.nonce === 'string' ? context.extra.nonce : null;
  await kardia.store.db
    .insertInto('authorization_codes')
    .values({
      code_hash: sha256(code),
      client_id: clientOf(context).clientId,
      sub: session.sub,
      grant_id: grant.id,
      redirect_uri: context.redirectUri,
      scope: joinScope(context.scopes),
      code_challenge: context.codeChallenge ?? null,
      nonce,
      auth_time: session.authTime,
      extra: JSON.stringify(context.extra),
      expires_at: now + kardia.settings.codeTtl,
      used_at: null,
    })
    .execute();
  return { code };
}
