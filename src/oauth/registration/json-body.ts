import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OAuthError } from '../errors.js';

/** Registration bodies are small; RFC 7591 metadata with an inline JWK Set fits easily. */
export const REGISTRATION_BODY_LIMIT = 64 * 1024;

/**
 * In the registration scope every body arrives raw, so the endpoint itself answers a wrong
 * content type or broken JSON with an RFC 7591 error object (§3.2.2) instead of a framework
 * error.
 */
export function acceptRawBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: REGISTRATION_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );
}

/** RFC 7591 §3.1: the request is a JSON object sent as `application/json`. */
export function readJsonObject(request: FastifyRequest): Record<string, unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new OAuthError('invalid_client_metadata', 'the request must be application/json', {
      status: 415,
    });
  }
  const raw = request.body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : '');
  } catch {
    throw new OAuthError('invalid_client_metadata', 'the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new OAuthError('invalid_client_metadata', 'the request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
