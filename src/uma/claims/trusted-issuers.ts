import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import { SettingsError } from '../../config/settings.js';
import { isJwkSet } from '../../oauth/registration/trusted-issuers.js';
import type { Kardia } from '../../server/context.js';
import { fetchJson } from '../../util/safe-fetch.js';

/** UMA-TRUST-1, Part 3.2: an OpenID provider whose ID tokens count, and the `aud` it may use. */
export interface TrustedClaimIssuer {
  issuer: string;
  /** Accepted `aud` values; empty for Kardia itself, where the pushing client must be `aud`. */
  audiences: string[];
}

/**
 * Parses `settings.umaTrustedIssuers` (`<issuer>=<audience>[ <audience>...]`); a malformed
 * entry stops the server at start.
 */
export function parseClaimIssuers(entries: readonly string[]): TrustedClaimIssuer[] {
  return entries.map((entry) => {
    const at = entry.indexOf('=');
    const issuer = entry.slice(0, at).trim();
    const audiences = entry
      .slice(at + 1)
      .split(' ')
      .filter(Boolean);
    if (at <= 0 || !URL.canParse(issuer) || audiences.length === 0) {
      throw new SettingsError(
        'KARDIA_UMA_TRUSTED_ISSUERS: each entry must be <issuer URL>=<audience>[ <audience>...]',
      );
    }
    return { issuer, audiences };
  });
}

const configured = new WeakMap<Kardia, TrustedClaimIssuer[]>();

/** Kardia itself first (always trusted, Part 3.2), then the configured issuers. */
export function trustedClaimIssuers(kardia: Kardia): TrustedClaimIssuer[] {
  let list = configured.get(kardia);
  if (!list) {
    const own = { issuer: kardia.urls.issuer, audiences: [] };
    const others = parseClaimIssuers(kardia.settings.umaTrustedIssuers).filter(
      (entry) => entry.issuer !== kardia.urls.issuer,
    );
    list = [own, ...others];
    configured.set(kardia, list);
  }
  return list;
}

/** How long an issuer's keys are kept before its discovery document is read again. */
const KEYS_TTL_MS = 5 * 60_000;
const keyCache = new Map<string, { at: number; getKey: JWTVerifyGetKey }>();

/**
 * A trusted issuer's keys, from its discovery document's `jwks_uri` (OIDC Discovery §4), both
 * fetched through safe-fetch. The discovery `issuer` must be the issuer itself (§4.3).
 */
export async function issuerKeys(kardia: Kardia, issuer: string): Promise<JWTVerifyGetKey> {
  const cached = keyCache.get(issuer);
  if (cached && Date.now() - cached.at < KEYS_TTL_MS) return cached.getKey;
  const options = { allowLoopback: kardia.settings.allowLoopbackFetch };
  const discovery = await fetchJson(
    `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
    options,
  );
  const document = discovery as { issuer?: unknown; jwks_uri?: unknown };
  if (document.issuer !== issuer || typeof document.jwks_uri !== 'string') {
    throw new Error('discovery document does not match the issuer');
  }
  const jwks = await fetchJson(document.jwks_uri, options);
  if (!isJwkSet(jwks)) throw new Error('jwks_uri did not answer a JWK Set');
  const getKey = createLocalJWKSet(jwks);
  if (keyCache.size > 100) keyCache.clear();
  keyCache.set(issuer, { at: Date.now(), getKey });
  return getKey;
}
