import {
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type CryptoKey,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { findUserBySub } from '../../account/users.js';
import type { Client } from '../../oauth/clients.js';
import type { Kardia } from '../../server/context.js';
import { nowSeconds } from '../../util/time.js';
import {
  claimsOfIdToken,
  ID_TOKEN_FORMATS,
  partyOfUser,
  type RequestingParty,
} from './requesting-party.js';
import { issuerKeys, trustedClaimIssuers } from './trusted-issuers.js';

/** Part 3.2: leeway on `exp` and `iat`, seconds. */
const LEEWAY = 60;
const MAX_TOKEN_LENGTH = 16_384;

/** Why a pushed claim token counts for nothing; the reason goes to the log only. */
export type ClaimTokenProblem = { problem: 'unsupported_format' | 'invalid'; detail: string };

const invalid = (detail: string): ClaimTokenProblem => ({ problem: 'invalid', detail });

/**
 * Validates a pushed claim token (G§3.3.1, Part 3.2, HU-25, HU-26, UMA-TRUST-2, UMA-TRUST-3): an
 * OpenID Connect ID token in compact JWS form (HU-3, UMA-GRANT-4), RS256 with a `kid` of its
 * issuer's keys, from a trusted issuer, unexpired, not issued in the future, for an accepted
 * audience. An ID token Kardia itself issued must name the pushing client as `aud` or `azp`.
 */
export async function readClaimToken(
  kardia: Kardia,
  client: Client,
  token: string,
  format: string,
): Promise<RequestingParty | ClaimTokenProblem> {
  if (!ID_TOKEN_FORMATS.includes(format)) {
    return { problem: 'unsupported_format', detail: 'claim_token_format not supported' };
  }
  if (token.length > MAX_TOKEN_LENGTH || token.split('.').length !== 3) {
    return invalid('claim token is not a compact JWS');
  }
  let kid: unknown;
  let issuer: unknown;
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg !== 'RS256') return invalid('claim token is not RS256');
    if (header.typ !== undefined && header.typ.toUpperCase() !== 'JWT') {
      return invalid('claim token is not an ID token');
    }
    kid = header.kid;
    issuer = decodeJwt(token).iss;
  } catch {
    return invalid('claim token is not a JWT');
  }
  if (typeof kid !== 'string') return invalid('claim token has no kid');
  const trusted = trustedClaimIssuers(kardia).find((entry) => entry.issuer === issuer);
  if (!trusted) return invalid('claim token from an untrusted issuer');
  const own = trusted.issuer === kardia.urls.issuer;

  let key: CryptoKey | JWTVerifyGetKey | undefined;
  try {
    key = own ? await kardia.keys.publicKey(kid) : await issuerKeys(kardia, trusted.issuer);
  } catch (error) {
    return invalid(`keys of the issuer unavailable: ${(error as Error).message}`);
  }
  if (!key) return invalid('claim token kid unknown');

  let payload: JWTPayload;
  try {
    ({ payload } = await verify(token, key, trusted.issuer));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return invalid(`claim token: ${error.code}`);
    throw error;
  }
  if ((payload.iat ?? 0) > nowSeconds() + LEEWAY) return invalid('claim token iat in the future');

  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const accepted = own ? [client.clientId] : trusted.audiences;
  const forUs =
    audiences.some((aud) => typeof aud === 'string' && accepted.includes(aud)) ||
    (own && payload.azp === client.clientId);
  if (!forUs) return invalid('claim token audience not accepted');

  const sub = String(payload.sub);
  if (own) {
    // Kardia is the identity provider here (UMA-TRUST-3): its account holds the verified claims.
    // Limitation: a pairwise `sub` maps back to no account, so only the token's own claims count.
    const user = await findUserBySub(kardia, sub);
    if (user) return partyOfUser(kardia, user);
  }
  return { iss: trusted.issuer, sub, claims: { ...claimsOfIdToken(payload), sub } };
}

function verify(token: string, key: CryptoKey | JWTVerifyGetKey, issuer: string) {
  const options = {
    issuer,
    algorithms: ['RS256'],
    clockTolerance: LEEWAY,
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
  };
  return typeof key === 'function'
    ? jwtVerify(token, key, options)
    : jwtVerify(token, key, options);
}

export const isProblem = (value: RequestingParty | ClaimTokenProblem): value is ClaimTokenProblem =>
  'problem' in value;
