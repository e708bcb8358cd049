import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JSONWebKeySet } from 'jose';
import { SettingsError, type Settings } from '../../config/settings.js';
import { fetchJson, SAFE_FETCH_MAX_BYTES } from '../../util/safe-fetch.js';

/**
 * The software statement issuers an operator trusts (RFC 7591 §2.3, HEART OAuth §3.1.3), from
 * `settings.trustedSoftwareStatementIssuers`: entries `<issuer>=<keys>`, split at the first `=`,
 * where `<keys>` locates the issuer's JWK Set:
 * - an https URL (http on a loopback host when `allowLoopbackFetch` is on), fetched through
 *   safe-fetch each time a statement from that issuer arrives, so the issuer may rotate keys;
 * - or a `file:` URL or absolute path of a JWK Set file, read each time.
 * Example: `KARDIA_TRUSTED_SOFTWARE_STATEMENT_ISSUERS=https://fed.example=https://fed.example/jwks`
 */
export type TrustedIssuers = ReadonlyMap<string, string>;

/** Parses the setting once, when the server is built, so a typo stops `kardia serve`. */
export function parseTrustedIssuers(entries: readonly string[]): TrustedIssuers {
  const issuers = new Map<string, string>();
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const issuer = entry.slice(0, at).trim();
    const keys = entry.slice(at + 1).trim();
    if (at <= 0 || !issuer || !keys || !(URL.canParse(keys) || isAbsolute(keys))) {
      throw new SettingsError(
        'KARDIA_TRUSTED_SOFTWARE_STATEMENT_ISSUERS: each entry must be <issuer>=<jwks URL or path>',
      );
    }
    issuers.set(issuer, keys);
  }
  return issuers;
}

/** Loads the JWK Set of a trusted issuer. */
export async function trustedIssuerKeys(location: string, settings: Settings): Promise<unknown> {
  if (isAbsolute(location) || location.startsWith('file:')) {
    const path = location.startsWith('file:') ? fileURLToPath(location) : location;
    const text = await readFile(path, 'utf8');
    if (text.length > SAFE_FETCH_MAX_BYTES) throw new Error('JWK Set file too large');
    return JSON.parse(text) as unknown;
  }
  return fetchJson(location, { allowLoopback: settings.allowLoopbackFetch });
}

export const isJwkSet = (value: unknown): value is JSONWebKeySet =>
  typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys);
