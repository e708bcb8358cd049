import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../../oauth/errors.js';

/**
 * The JSON body of a UMA API request (F§3.2, F§4.1): `application/json` only. The framework has
 * already refused malformed JSON with 400; a body of another media type is refused here.
 */
export function jsonBody(request: FastifyRequest): unknown {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new OAuthError('invalid_request', 'the request body must be application/json');
  }
  return request.body;
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An array of strings, each non-empty and bounded; undefined when `value` is not one. */
export function stringArray(value: unknown, maxItems = 100, maxLength = 500): string[] | undefined {
  if (!Array.isArray(value) || value.length > maxItems) return undefined;
  if (!value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= maxLength)) {
    return undefined;
  }
  return value as string[];
}

export const invalidRequest = (description: string): OAuthError =>
  new OAuthError('invalid_request', description);
