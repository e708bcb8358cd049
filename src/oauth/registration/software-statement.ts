import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import type { Kardia } from '../../server/context.js';
import { CLOCK_SKEW, SIGNING_ALGORITHMS } from '../client-auth.js';
import { OAuthError } from '../errors.js';
import { isJwkSet, trustedIssuerKeys, type TrustedIssuers } from './trusted-issuers.js';

/** A statement whose signature and issuer were checked; `claims` are client metadata. */
export interface VerifiedStatement {
  issuer: string;
  claims: Record<string, unknown>;
}

const MAX_STATEMENT_LENGTH = 16_384;
const JWT_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti'];
/** jose failures that mean "not signed by this trusted issuer" rather than "malformed". */
const UNTRUSTED_SIGNER = [
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_ALG_NOT_ALLOWED',
];

const invalid = (description: string, detail?: string) =>
  new OAuthError('invalid_software_statement', description, detail ? { detail } : {});
const unapproved = (detail: string) =>
  new OAuthError('unapproved_software_statement', 'the software statement is not approved', {
    detail,
  });

/**
 * RFC 7591 §2.3, §3.2.2: a software statement is a JWT signed by an issuer this server trusts.
 * An issuer not on the list, or a signature its keys do not verify → unapproved; anything
 * malformed, expired or missing a field HEART requires → invalid.
 */
export async function verifySoftwareStatement(
  kardia: Kardia,
  trusted: TrustedIssuers,
  statement: unknown,
): Promise<VerifiedStatement> {
  if (typeof statement !== 'string' || statement.length > MAX_STATEMENT_LENGTH) {
    throw invalid('software_statement must be a signed JWT');
  }
  let issuer: unknown;
  try {
    decodeProtectedHeader(statement);
    issuer = decodeJwt(statement).iss;
  } catch {
    throw invalid('software_statement must be a signed JWT');
  }
  if (typeof issuer !== 'string') throw invalid('software_statement has no iss');
  const location = trusted.get(issuer);
  if (!location) throw unapproved('statement issuer is not trusted');

  let keys: unknown;
  try {
    keys = await trustedIssuerKeys(location, kardia.settings);
  } catch (error) {
    throw unapproved(`keys of a trusted issuer unavailable: ${(error as Error).message}`);
  }
  if (!isJwkSet(keys)) throw unapproved('keys of a trusted issuer are not a JWK Set');

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(statement, createLocalJWKSet(keys), {
      issuer,
      algorithms: [...SIGNING_ALGORITHMS],
      clockTolerance: CLOCK_SKEW,
    }));
  } catch (error) {
    const code = error instanceof joseErrors.JOSEError ? error.code : 'ERR_UNKNOWN';
    if (UNTRUSTED_SIGNER.includes(code)) {
      throw unapproved(`statement signature not verified: ${code}`);
    }
    throw invalid('software_statement is malformed, expired or not yet valid', code);
  }

  requireHeartFields(payload);
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (!JWT_CLAIMS.includes(name)) claims[name] = value;
  }
  return { issuer, claims };
}

/**
 * HEART OAuth §3.1.3 (OA-DR-7): a statement carries `redirect_uris`, `grant_types` (the code or
 * implicit grant), keys (`jwks` or `jwks_uri`), `client_name` and `client_uri`.
 */
function requireHeartFields(claims: JWTPayload): void {
  const missing: string[] = [];
  const uris = claims.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0) missing.push('redirect_uris');
  const grants = claims.grant_types;
  if (
    !Array.isArray(grants) ||
    !grants.some((g) => g === 'authorization_code' || g === 'implicit')
  ) {
    missing.push('grant_types');
  }
  if (claims.jwks === undefined && claims.jwks_uri === undefined) missing.push('jwks or jwks_uri');
  for (const field of ['client_name', 'client_uri']) {
    if (typeof claims[field] !== 'string' || claims[field] === '') missing.push(field);
  }
  if (missing.length > 0) {
    throw invalid(`software_statement must hold ${missing.join(', ')}`);
  }
}
