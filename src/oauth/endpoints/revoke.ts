import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../../server/context.js';
import { authenticateClient } from '../client-auth.js';
import { OAuthError } from '../errors.js';
import { revokeChain, revokeFamily, verifyOwnToken } from '../tokens.js';
import { backChannelAudiences, backChannelParams, noStore, postOnly } from './back-channel.js';

/**
 * Token revocation (RFC 7009) for the client a token was issued to. HEART OAuth §3.1.6 and
 * §3.2.2 (OA-RV-4): the caller authenticates with private_key_jwt; no public caller, Basic
 * header or bearer token is enough.
 */
export function registerRevocation(app: FastifyInstance, kardia: Kardia): void {
  postOnly(app, '/revoke', async (request, reply) => {
    const params = backChannelParams(request);

    const client = await authenticateClient(kardia, request, params, {
      audiences: backChannelAudiences(kardia, kardia.urls.revocation),
      allowPublic: false,
      kinds: ['client'],
    });

    if (!params.token) throw new OAuthError('invalid_request', 'token is required');

    // RFC 7009 §2.1: `token_type_hint` only speeds up a lookup, and every kind of token is
    // found the same way here, so the hint (known or not) is not read.
    const verified = await verifyOwnToken(kardia, params.token, ['access', 'refresh', 'rpt']);

    // RFC 7009 §2.2: an unknown or invalid token is answered 200 as well. A token of another
    // client is left alone (OA-RV-2) with the same answer, so a caller learns nothing from it.
    if (verified?.row?.client_id === client.clientId) {
      const { jti } = verified.payload;
      // RFC 7009 §2.1: revoking a refresh token ends the access tokens of the same grant, even
      // when the client names one it has already rotated.
      if (verified.kind === 'refresh') await revokeChain(kardia, jti);
      else if (!verified.revoked) await revokeFamily(kardia, [jti]);
    } else if (!verified && revocationHooks.opaqueToken) {
      await revocationHooks.opaqueToken(kardia, client.clientId, params.token);
    }
    return noStore(reply).code(200).send();
  });
}

/**
 * Extension point: tokens that are not JWTs of ours, such as UMA's PCTs (UMA grant §3.7,
 * `token_type_hint=pct`). The hook revokes the token when it belongs to the client, silently.
 */
export const revocationHooks: {
  opaqueToken?: (kardia: Kardia, clientId: string, token: string) => Promise<void>;
} = {};
