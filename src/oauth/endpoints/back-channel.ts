import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { Kardia } from '../../server/context.js';
import { methodNotAllowed } from '../../server/errors.js';
import { oauthParams } from '../../server/forms.js';
import { OAuthError } from '../errors.js';

const FORM = 'application/x-www-form-urlencoded';

/**
 * The parameters of a back-channel request: /token (RFC 6749 §3.2), /introspect (RFC 7662 §2.1)
 * and /revoke (RFC 7009 §2.1) take a form body and nothing else. A JSON or text body is parsed by
 * the framework but refused here; other media types are refused by the framework with 415.
 */
export function backChannelParams(request: FastifyRequest): Record<string, string> {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== FORM) {
    throw new OAuthError('invalid_request', `the request body must be ${FORM}`);
  }
  return oauthParams(request.body);
}

/**
 * The client assertion `aud` accepted at /introspect and /revoke: the endpoint itself, the token
 * endpoint or the issuer (spec/heart-oauth2.md, Kardia's choices). /token takes only its own URL.
 */
export function backChannelAudiences(kardia: Kardia, endpoint: string): string[] {
  return [endpoint, kardia.urls.token, kardia.urls.issuer];
}

/** RFC 6749 §5.1: answers carrying tokens (and, here, every back-channel answer) are not cached. */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/** Serves `url` on POST only; the other methods get 405 with an OAuth error body. */
export function postOnly(app: FastifyInstance, url: string, handler: RouteHandlerMethod): void {
  app.post(url, handler);
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url,
    handler: methodNotAllowed(['POST']),
  });
}
