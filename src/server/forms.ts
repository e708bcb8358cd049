import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../oauth/errors.js';

export type FormBody = Record<string, string | string[]>;

/** Parses `application/x-www-form-urlencoded`, keeping repeated names as arrays. */
export function parseForm(text: string): FormBody {
  const out: FormBody = Object.create(null) as FormBody;
  for (const [name, value] of new URLSearchParams(text)) {
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else out[name] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

export function installFormParser(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, parseForm(body as string)),
  );
}

/**
 * The parameters of an OAuth request as single strings. RFC 6749 §3.1: parameters must not be
 * repeated; a parameter sent without a value is treated as omitted.
 */
export function oauthParams(source: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (source === null || source === undefined) return out;
  if (typeof source !== 'object' || Array.isArray(source)) {
    throw new OAuthError('invalid_request', 'parameters must be sent as a form');
  }
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      throw new OAuthError('invalid_request', `parameter ${safeName(name)} is repeated`);
    }
    if (typeof value !== 'string') {
      throw new OAuthError('invalid_request', `parameter ${safeName(name)} must be a string`);
    }
    if (value !== '') out[name] = value;
  }
  return out;
}

/** Parameter names are echoed in errors only when they look like parameter names. */
const safeName = (name: string) => (/^[a-z_]{1,40}$/.test(name) ? name : '(unnamed)');
