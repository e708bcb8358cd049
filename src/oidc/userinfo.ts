import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findUserBySub } from '../account/users.js';
import { findClient, type Client } from '../oauth/clients.js';
import { OAuthError } from '../oauth/errors.js';
import { parseScope } from '../oauth/scopes.js';
import { verifyOwnToken } from '../oauth/tokens.js';
import type { Kardia } from '../server/context.js';
import { methodNotAllowed } from '../server/errors.js';
import { oauthParams } from '../server/forms.js';
import { nowSeconds } from '../util/time.js';
import { userClaims } from './claims.js';
import { encryptToClient, registeredEncryption } from './client-encryption.js';
import { subjectFor } from './pairwise.js';

/** RFC 6750 §3: a request without a token gets a bare challenge, one with a bad token its error. */
const challenge = (error?: string) =>
  error ? `Bearer realm="kardia", error="${error}"` : 'Bearer realm="kardia"';

const noToken = () =>
  new OAuthError('invalid_request', 'a bearer access token is required', {
    status: 401,
    headers: { 'www-authenticate': challenge() },
  });

const invalidToken = () =>
  new OAuthError('invalid_token', 'the access token is not valid', {
    headers: { 'www-authenticate': challenge('invalid_token') },
  });

/**
 * The UserInfo endpoint (OIDC Core §5.3, HEART OIDC §3.2): a protected resource that answers the
 * claims the token's scopes allow, as JSON, a signed JWT, or a JWE, as the client registered.
 */
export function registerUserInfo(app: FastifyInstance, kardia: Kardia): void {
  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request);

    const verified = await verifyOwnToken(kardia, token, ['access']);
    if (!verified || verified.revoked) throw invalidToken();
    const scopes = parseScope(verified.payload.scope);
    if (!scopes.includes('openid')) {
      throw new OAuthError('insufficient_scope', 'the access token lacks the openid scope', {
        headers: { 'www-authenticate': `${challenge('insufficient_scope')}, scope="openid"` },
      });
    }
    const client = await findClient(kardia, verified.payload.azp);
    const user = await findUserBySub(kardia, verified.payload.sub);
    if (!client || !user) throw invalidToken();

    const claims = { sub: await subjectFor(kardia, client, user.sub), ...userClaims(user, scopes) };
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    const answer = await formatAnswer(kardia, client, claims);
    if (typeof answer === 'string') return reply.type('application/jwt').send(answer);
    return reply.type('application/json').send(answer);
  };
  app.get('/userinfo', serve);
  app.post('/userinfo', serve);
  app.route({
    method: ['PUT', 'DELETE', 'PATCH'],
    url: '/userinfo',
    handler: methodNotAllowed(['GET', 'POST']),
  });
}

/** RFC 6750 §2.1 header, or §2.2 form field on POST; never both, never the query string. */
function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const form = request.method === 'POST' ? oauthParams(request.body).access_token : undefined;
  if (header && form) throw new OAuthError('invalid_request', 'send the token only once');
  if (form) return form;
  if (!header) throw noToken();
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
  if (!match?.[1]) throw invalidToken();
  return match[1];
}

/**
 * OIDC Core §5.3.2 and Registration §2: plain JSON unless the client registered
 * `userinfo_signed_response_alg` (a JWS with `iss` and `aud`) and/or
 * `userinfo_encrypted_response_alg` (a JWE, around the JWS when both are set).
 */
async function formatAnswer(
  kardia: Kardia,
  client: Client,
  claims: Record<string, unknown>,
): Promise<Record<string, unknown> | string> {
  const signed = typeof client.metadata.userinfo_signed_response_alg === 'string';
  const encryption = registeredEncryption(client, 'userinfo');
  if (!signed && !encryption) return claims;
  const jwtClaims = { ...claims, iss: kardia.urls.issuer, aud: client.clientId, iat: nowSeconds() };
  const body = signed ? await kardia.keys.sign(jwtClaims, 'JWT') : JSON.stringify(jwtClaims);
  if (!encryption) return body;
  return encryptToClient(kardia, client, body, { ...encryption, nested: signed });
}
