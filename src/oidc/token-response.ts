import type { CodeRedemption } from '../oauth/grants/authorization-code.js';
import type { TokenResponse } from '../oauth/grants/grant.js';
import { parseScope } from '../oauth/scopes.js';
import { issueIdToken } from './id-token.js';

/**
 * OIDC Core §3.1.3.3: the token response to a code issued for `openid` carries an ID token,
 * with the `nonce`, `auth_time`, `vot` or `acr`, and `amr` the authorization request settled,
 * and `at_hash` of the access token beside it.
 */
export async function addIdToken(redemption: CodeRedemption, response: TokenResponse) {
  const { code, client, context } = redemption;
  const extra = code.extra;
  if (extra.openid !== true || !parseScope(code.scope).includes('openid')) return;
  response.id_token = await issueIdToken(context.kardia, {
    client,
    sub: code.sub,
    nonce: code.nonce,
    authTime: typeof extra.auth_time === 'number' ? extra.auth_time : code.auth_time,
    vot: typeof extra.vot === 'string' ? extra.vot : undefined,
    acr: typeof extra.acr === 'string' ? extra.acr : undefined,
    amr: Array.isArray(extra.amr) ? extra.amr.filter((v) => typeof v === 'string') : undefined,
    accessToken: response.access_token,
  });
}
