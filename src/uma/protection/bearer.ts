import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../../oauth/errors.js';

/** RFC 6750 §3: the challenge, bare without a token, with the error code otherwise. */
export function bearerChallenge(error?: string, scope?: string): string {
  const parts = ['Bearer realm="kardia"'];
  if (error) parts.push(`error="${error}"`);
  if (scope) parts.push(`scope="${scope}"`);
  return parts.join(', ');
}

/** RFC 6750 §3.1: no credentials at all, so no error code in the challenge. */
export const noToken = (what: string): OAuthError =>
  new OAuthError('invalid_request', `${what} is required as a bearer token`, {
    status: 401,
    headers: { 'www-authenticate': bearerChallenge() },
  });

export const invalidToken = (detail: string): OAuthError =>
  new OAuthError('invalid_token', 'the access token is invalid, expired or revoked', {
    detail,
    headers: { 'www-authenticate': bearerChallenge('invalid_token') },
  });

export const insufficientScope = (scope: string): OAuthError =>
  new OAuthError('insufficient_scope', `the access token lacks the ${scope} scope`, {
    headers: { 'www-authenticate': bearerChallenge('insufficient_scope', scope) },
  });

/**
 * The bearer token of a request, from the `Authorization` header only (RFC 6750 §2.1): the UMA
 * APIs take JSON bodies, and a token in a query string ends up in logs. Undefined when absent.
 */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
  if (!match?.[1]) throw invalidToken('malformed Authorization header');
  return match[1];
}
