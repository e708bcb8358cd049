import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** Timeout of every call to the AS, milliseconds. */
export const AS_TIMEOUT_MS = 5_000;
/** How long discovery is trusted before it is read again, milliseconds. */
const METADATA_MAX_AGE_MS = 3_600_000;
/** The JWK Set is read again on an unknown `kid` at most this often, milliseconds. */
const KEYS_COOLDOWN_MS = 1_000;

export interface AsMetadata {
  issuer: string;
  jwks_uri: string;
  introspection_endpoint: string;
  token_endpoint?: string;
  authorization_endpoint?: string;
  /** Every other RFC 8414 member, as the AS published it. */
  [member: string]: unknown;
}

/** The AS cannot be reached or answers nonsense: the RS can decide nothing, so it refuses. */
export class AsUnavailable extends Error {}

/**
 * The one AS this RS trusts (HEART OAuth §4.2, OA-PR-7), reached only through its public HTTP
 * interface: the RFC 8414 discovery document and the JWK Set it names, both cached.
 */
export class TrustedAs {
  private metadataCache: { at: number; value: AsMetadata } | undefined;
  private loading: Promise<AsMetadata> | undefined;
  private keySet = new Map<string, { alg: string; key: KeyObject }>();
  private keysFetchedAt = 0;
  private keysLoading: Promise<void> | undefined;

  constructor(readonly issuer: string) {}

  async metadata(): Promise<AsMetadata> {
    const cached = this.metadataCache;
    if (cached && Date.now() - cached.at < METADATA_MAX_AGE_MS) return cached.value;
    this.loading ??= this.fetchMetadata().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /**
   * The verification key the AS published under `kid` for `alg`, or undefined. Keys are imported
   * once and kept; an unknown `kid` makes the RS read the JWK Set again (after a key rotation),
   * at most once a second whatever tokens arrive: requests naming unknown keys share one read.
   */
  async key(kid: string, alg: string): Promise<KeyObject | undefined> {
    let found = this.keySet.get(kid);
    if (!found) {
      this.keysLoading ??= this.refetchKeys().finally(() => (this.keysLoading = undefined));
      await this.keysLoading;
      found = this.keySet.get(kid);
    }
    // RFC 7517 §4.4: a key that names its algorithm verifies that algorithm only.
    return found && found.alg === alg ? found.key : undefined;
  }

  /** Waits out the cooldown instead of refusing, so a token with a fresh key is not refused. */
  private async refetchKeys(): Promise<void> {
    const wait = this.keysFetchedAt + KEYS_COOLDOWN_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await this.fetchKeys();
  }

  private async fetchKeys(): Promise<void> {
    const { jwks_uri: uri } = await this.metadata();
    let body: { keys?: unknown };
    try {
      const response = await fetch(uri, { signal: AbortSignal.timeout(AS_TIMEOUT_MS) });
      if (!response.ok) throw new AsUnavailable(`JWKS answered ${response.status}`);
      body = (await response.json()) as { keys?: unknown };
    } catch (error) {
      if (error instanceof AsUnavailable) throw error;
      throw new AsUnavailable(`JWKS fetch failed: ${(error as Error).message}`);
    } finally {
      this.keysFetchedAt = Date.now();
    }
    const next = new Map<string, { alg: string; key: KeyObject }>();
    for (const jwk of Array.isArray(body.keys) ? (body.keys as JWK[]) : []) {
      // Signing keys only: an encryption key (use `enc`) never verifies a token.
      if (typeof jwk.kid !== 'string' || jwk.use === 'enc' || 'd' in jwk) continue;
      const alg = jwk.alg ?? (jwk.kty === 'EC' ? 'ES256' : 'RS256');
      try {
        next.set(jwk.kid, { alg, key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }) });
      } catch {
        // A key this RS cannot read verifies nothing.
      }
    }
    this.keySet = next;
  }

  private async fetchMetadata(): Promise<AsMetadata> {
    // RFC 8414 §3: the metadata of an issuer without a path lives at this well-known URL.
    const url = `${this.issuer}/.well-known/oauth-authorization-server`;
    let body: Partial<AsMetadata>;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(AS_TIMEOUT_MS) });
      if (!response.ok) throw new AsUnavailable(`discovery answered ${response.status}`);
      body = (await response.json()) as Partial<AsMetadata>;
    } catch (error) {
      if (error instanceof AsUnavailable) throw error;
      throw new AsUnavailable(`discovery failed: ${(error as Error).message}`);
    }
    // RFC 8414 §3.3: the issuer in the document must be the one we asked.
    if (body.issuer !== this.issuer) throw new AsUnavailable('discovery issuer mismatch');
    if (typeof body.jwks_uri !== 'string' || typeof body.introspection_endpoint !== 'string') {
      throw new AsUnavailable('discovery lacks jwks_uri or introspection_endpoint');
    }
    const value = body as AsMetadata;
    this.metadataCache = { at: Date.now(), value };
    return value;
  }
}
