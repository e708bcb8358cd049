import { OAuthError } from '../errors.js';
import { joinScope, parseScope } from '../scopes.js';
import { issueToken } from '../tokens.js';
import type { GrantHandler } from './grant.js';
import { narrowScope } from './narrow-scope.js';

const PAT_SCOPE = 'uma_protection';

/**
 * The client-credentials grant (RFC 6749 §4.4) for HEART direct-access clients (§2.1.4): the
 * client acts for itself, so `sub` is its own client_id (§3.2.1). Only statically registered
 * clients hold this grant, and the token endpoint has already checked that this one does.
 */
export const clientCredentialsGrant: GrantHandler = async ({ kardia, params, client }) => {
  // heart-uma2.md 3.1 (HU-17): a PAT comes from an owner through the code flow; there are no
  // organisational owners, so a client acting for itself never gets `uma_protection`.
  if (parseScope(params.scope).includes(PAT_SCOPE)) {
    throw new OAuthError('invalid_scope', 'uma_protection is not available to this grant');
  }
  const scope = joinScope(
    parseScope(narrowScope(params.scope, client.scope)).filter((s) => s !== PAT_SCOPE),
  );

  const access = await issueToken(kardia, {
    kind: 'access',
    clientId: client.clientId,
    sub: client.clientId,
    scope,
    ttl: kardia.settings.clientCredentialsAccessTokenTtl,
  });

  // HEART OAuth §2.1.4 and RFC 6749 §4.4.3: never a refresh token.
  return {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: access.exp - access.iat,
    ...(scope ? { scope } : {}),
  };
};
