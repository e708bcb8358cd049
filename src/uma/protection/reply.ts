import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendOAuthError } from '../../server/errors.js';
import { OAuthError } from '../../oauth/errors.js';

/**
 * UMA-GEN-2 (Kardia): every UMA JSON answer, success or error, is `application/json` and
 * `Cache-Control: no-store`. Errors get the same headers from the error renderer.
 */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .type('application/json')
    .send(body);
}

/** F§3.2, UMA-RES-8: a method the URL does not offer → 405 `unsupported_method_type`. */
export function unsupportedMethod(allowed: string[]) {
  return async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('allow', allowed.join(', '));
    return sendOAuthError(
      reply,
      new OAuthError('unsupported_method_type', 'this method is not supported at this URL'),
    );
  };
}
