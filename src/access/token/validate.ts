import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { FhirError } from '../../fhir/outcome.js';
import { invalidToken } from './challenge.js';
import type { Introspector } from './introspection.js';
import { AsUnavailable, type TrustedAs } from './trusted-as.js';
import { VerifiedTokens } from './verified-tokens.js';
import { nowSeconds } from '../../util/time.js';

/** HEART OAuth §3.2.1: RS256 must work; the other asymmetric algorithms Kardia signs with. */
const ALGORITHMS = ['RS256', 'PS256', 'ES256'];
/** Clock skew tolerated on `exp`, `iat` and `nbf`, seconds (spec/README.md). */
const CLOCK_SKEW = 60;

/** The claims of a live access token from the trusted AS, as the RS uses them. */
export interface AccessTokenClaims {
  jti: string;
  sub: string | undefined;
  clientId: string | undefined;
  scope: string | undefined;
  /** SMART `patient` context: the FHIR logical id of the bound Patient (HFO-17). */
  patient: string | undefined;
  exp: number;
}

/**
 * Checks a bearer token (HEART OAuth §4.2, §3.2.1; RFC 9068 §4): a JWS from the trusted AS
 * only, signed with a key of its JWK Set, `typ` at+jwt, `kid` in the header, unexpired, this RS
 * in `aud` when `aud` is present; then asks the AS whether it is still active (OA-PR-8).
 * Every failure is the same public `invalid_token`; the reason goes to the log only.
 */
export class TokenValidator {
  private readonly verified = new VerifiedTokens();

  constructor(
    private readonly as: TrustedAs,
    private readonly introspector: Introspector,
    private readonly resource: string,
    private readonly realm: string,
    private readonly log: Logger,
  ) {}

  async validate(token: string): Promise<AccessTokenClaims> {
    const payload = await this.verify(token);
    const claims = toClaims(payload);
    if (!claims) throw invalidToken(this.realm, 'token lacks jti, exp or iss');
    const active = await this.guard(() =>
      this.introspector.isActive(token, claims.jti, claims.exp),
    );
    if (!active) throw invalidToken(this.realm, 'introspection: token inactive');
    return claims;
  }

  private async verify(token: string): Promise<JWTPayload> {
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw invalidToken(this.realm, 'token is not a JWS');
    }
    // HEART OAuth §3.2.1 (OA-JW-6): the header names the signing key.
    if (typeof header.kid !== 'string') throw invalidToken(this.realm, 'token has no kid');
    if (typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg)) {
      throw invalidToken(this.realm, 'token alg not accepted');
    }
    const { kid, alg } = header;
    const key = await this.guard(() => this.as.key(kid, alg));
    if (!key) throw invalidToken(this.realm, 'token kid unknown to the trusted AS');
    const payload =
      this.verified.lookup(token, key, nowSeconds(), CLOCK_SKEW) ??
      (await this.checkSignature(token, key));
    // HEART OAuth §4.2 (OA-PR-5): when `aud` is present, this RS must be in it.
    const aud = payload.aud;
    if (aud !== undefined) {
      const audiences = Array.isArray(aud) ? aud : [aud];
      if (!audiences.includes(this.resource)) throw invalidToken(this.realm, 'aud lacks this RS');
    }
    return payload;
  }

  /** The signature and the time claims, checked once per token (verified-tokens.ts). */
  private async checkSignature(token: string, key: KeyObject): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        issuer: this.as.issuer,
        algorithms: ALGORITHMS,
        // RFC 9068 §4: refresh tokens (rt+jwt) and ID tokens can never pass for access tokens.
        typ: 'at+jwt',
        clockTolerance: CLOCK_SKEW,
        requiredClaims: ['iss', 'exp', 'jti'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) {
        throw invalidToken(this.realm, `token rejected: ${error.code}`);
      }
      throw error;
    }
    this.verified.remember(token, key, payload);
    return payload;
  }

  /** The AS could not be asked: the RS cannot decide, and says so without blaming the token. */
  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof AsUnavailable)) throw error;
      this.log.warn({ reason: error.message }, 'the trusted authorization server is unavailable');
      throw new FhirError('unavailable', 'transient', 'the authorization server is unavailable', {
        detail: error.message,
        headers: { 'retry-after': '5' },
      });
    }
  }
}

function toClaims(payload: JWTPayload): AccessTokenClaims | undefined {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const jti = text(payload.jti);
  if (!jti || typeof payload.exp !== 'number') return undefined;
  return {
    jti,
    sub: text(payload.sub),
    clientId: text(payload.client_id) ?? text(payload.azp),
    scope: text(payload.scope),
    patient: text(payload.patient),
    exp: payload.exp,
  };
}
