import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

/** Timeout of every call to the AS, milliseconds. */
export const AS_TIMEOUT_MS = 5_000;
/** How long discovery is trusted before it is read again, milliseconds. */
const METADATA_MAX_AGE_MS = 3_600_000;

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
 * interface: the RFC 8414 discovery document and the JWK Set it names. Both are cached; the
 * key set is fetched again when a token names an unknown `kid` (at most once a second).
 */
export class TrustedAs {
  private metadataCache: { at: number; value: AsMetadata } | undefined;
  private loading: Promise<AsMetadata> | undefined;
  private keySet: { uri: string; getKey: JWTVerifyGetKey } | undefined;

  constructor(readonly issuer: string) {}

  async metadata(): Promise<AsMetadata> {
    const cached = this.metadataCache;
    if (cached && Date.now() - cached.at < METADATA_MAX_AGE_MS) return cached.value;
    this.loading ??= this.fetchMetadata().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** A key resolver for jwtVerify over the AS's JWK Set. */
  async keys(): Promise<JWTVerifyGetKey> {
    const { jwks_uri: uri } = await this.metadata();
    if (this.keySet?.uri !== uri) {
      const getKey = createRemoteJWKSet(new URL(uri), {
        timeoutDuration: AS_TIMEOUT_MS,
        cooldownDuration: 1_000,
        cacheMaxAge: 600_000,
      });
      this.keySet = { uri, getKey };
    }
    return this.keySet.getKey;
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
