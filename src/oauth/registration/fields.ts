import { OAuthError } from '../errors.js';

/**
 * Readers for registration metadata fields (RFC 7591 §2). Each answers undefined when the field
 * is absent or null, and throws `invalid_client_metadata` naming the field when it is malformed,
 * so every validator reports a bad value the same way.
 */
export type MetadataInput = Readonly<Record<string, unknown>>;

export const invalidMetadata = (description: string): OAuthError =>
  new OAuthError('invalid_client_metadata', description);

const MAX_STRING = 2_000;

/** The client's own host, as a URL's `hostname` spells it (RFC 8252 §7.3). */
export const isLoopbackHost = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
const MAX_ITEMS = 20;

export function readString(input: MetadataInput, field: string, max = MAX_STRING) {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalidMetadata(`${field} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

export function readStringArray(input: MetadataInput, field: string, maxItems = MAX_ITEMS) {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.length > maxItems ||
    !value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= MAX_STRING)
  ) {
    throw invalidMetadata(`${field} must be an array of at most ${maxItems} non-empty strings`);
  }
  return value as string[];
}

/**
 * A URL a person will open (client_uri, logo_uri, tos_uri, policy_uri): https, or http on a
 * loopback host, since the consent page links to it.
 */
export function readWebUrl(input: MetadataInput, field: string) {
  const value = readString(input, field);
  if (value === undefined) return undefined;
  if (!URL.canParse(value)) throw invalidMetadata(`${field} must be an absolute URL`);
  const url = new URL(value);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw invalidMetadata(`${field} must be an https URL`);
  }
  if (url.username || url.password) throw invalidMetadata(`${field} must not carry credentials`);
  return value;
}
