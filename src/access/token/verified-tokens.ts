import type { KeyObject } from 'node:crypto';
import type { JWTPayload } from 'jose';

/** Tokens whose signature is remembered; past this the oldest is forgotten first. */
const MAX_ENTRIES = 10_000;

interface Entry {
  key: KeyObject;
  payload: JWTPayload;
  exp: number;
}

/**
 * Signatures already checked, by the exact token text. A client sends the same access token on
 * every request for as long as it lives, and checking its RS256 signature again each time costs
 * more than the rest of the access decision. An entry answers only for the very same bytes, only
 * while the trusted AS still publishes the very key that verified them (a re-read JWK Set makes
 * new key objects, so a rotation forgets everything), and only until the token's `exp`; every
 * other check of TokenValidator (`aud`, introspection at most a second old) still runs on each
 * request, so revocation is seen as quickly as before.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();

  /** The payload of `token` when `key` verified it before and it has not expired. */
  lookup(token: string, key: KeyObject, nowSeconds: number, skew: number): JWTPayload | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.key !== key || entry.exp + skew < nowSeconds) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.payload;
  }

  remember(token: string, key: KeyObject, payload: JWTPayload): void {
    if (typeof payload.exp !== 'number') return;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { key, payload, exp: payload.exp });
  }
}
