import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../../server/context.js';
import { authenticateClient } from '../client-auth.js';
import { OAuthError } from '../errors.js';
import { grantHandlers } from '../grants/index.js';
import { backChannelParams, noStore, postOnly } from './back-channel.js';

/**
 * The token endpoint (RFC 6749 §3.2): parse the form, authenticate the client, hand the request
 * to the handler of its grant type. Each grant lives in its own file under grants/.
 */
export function registerTokenEndpoint(app: FastifyInstance, kardia: Kardia): void {
  postOnly(app, '/token', async (request, reply) => {
    const params = backChannelParams(request);

    const grantType = params.grant_type;
    if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
    // HEART OAuth §2.1: the password grant has no handler, so it is refused here like any other.
    const handler = Object.hasOwn(grantHandlers, grantType) ? grantHandlers[grantType] : undefined;
    if (!handler) {
      throw new OAuthError('unsupported_grant_type', 'grant_type is not supported');
    }

    // HEART OAuth §2.2.2: private_key_jwt with `aud` = this endpoint; public native clients
    // (auth method `none`) name themselves and are held to PKCE by the code grant.
    const client = await authenticateClient(kardia, request, params, {
      audiences: [kardia.urls.token],
      allowPublic: true,
      kinds: ['client'],
    });

    // HEART OAuth §3.1.1: a client_id is tied to the grant types it was registered with.
    if (!client.grantTypes.includes(grantType)) {
      throw new OAuthError('unauthorized_client', 'the client may not use this grant type');
    }

    const body = await handler({ kardia, request, params, client });
    return noStore(reply).send(body);
  });
}
