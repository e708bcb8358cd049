import type { JSONWebKeySet } from 'jose';
import type { Client } from '../oauth/clients.js';
import { OAuthError } from '../oauth/errors.js';
import type { Kardia } from '../server/context.js';
import { fetchJson, SafeFetchError } from '../util/safe-fetch.js';

/** How long a fetched client key set is reused, milliseconds. */
const CACHE_MS = 10 * 60_000;
const cache = new Map<string, { at: number; version: number; jwks: JSONWebKeySet }>();

/**
 * The key set behind a client's `jwks_uri`, for encrypting to it: fetched with the same guards as
 * every client-named URL (https, no private addresses, timeout, size limit), briefly cached.
 */
export async function fetchClientJwks(kardia: Kardia, client: Client): Promise<JSONWebKeySet> {
  const cached = cache.get(client.clientId);
  if (cached && cached.version === client.updatedAt && Date.now() - cached.at < CACHE_MS) {
    return cached.jwks;
  }
  let document: unknown;
  try {
    document = await fetchJson(client.jwksUri ?? '', {
      allowLoopback: kardia.settings.allowLoopbackFetch,
    });
  } catch (error) {
    const reason = error instanceof SafeFetchError ? error.reason : 'failed';
    throw new OAuthError('invalid_request', "the client's jwks_uri could not be read", {
      detail: `jwks_uri fetch for ${client.clientId}: ${reason}`,
    });
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) {
    throw new OAuthError('invalid_request', "the client's jwks_uri is not a JWK Set");
  }
  const jwks = { keys } as JSONWebKeySet;
  if (cache.size > 1_000) cache.clear();
  cache.set(client.clientId, { at: Date.now(), version: client.updatedAt, jwks });
  return jwks;
}
