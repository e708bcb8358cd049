import { issueToken } from '../tokens.js';
import type { GrantHandler } from './grant.js';
import { narrowScope } from './narrow-scope.js';

/**
 * The client-credentials grant (RFC 6749 §4.4) for HEART direct-access clients (§2.1.4): the
 * client acts for itself, so `sub` is its own client_id (§3.2.1). Only statically registered
 * clients hold this grant, and the token endpoint has already checked that this one does.
 */
export const clientCredentialsGrant: GrantHandler = async ({ kardia, params, client }) => {
  const scope = narrowScope(params.scope, client.scope);

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
