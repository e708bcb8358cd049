import type { FastifyRequest } from 'fastify';
import { decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import type { Kardia } from '../server/context.js';
import { nowSeconds } from '../util/time.js';
import { type Client, clientKeys, findClient } from './clients.js';
import { invalidClient } from './errors.js';

/** RS256 is required by HEART; PS256 and ES256 are accepted (spec/README.md). */
export const SIGNING_ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Clock skew allowed on `exp`, `iat` and `nbf`, seconds. */
export const CLOCK_SKEW = 60;
/** An assertion may not claim to live longer than this, seconds (Kardia's reading). */
export const MAX_ASSERTION_LIFETIME = 3600;

export interface ClientAuthOptions {
  /** `aud` values accepted for this endpoint. */
  audiences: string[];
  /** Whether a public client (`none`) may identify itself by `client_id` alone. */
  allowPublic: boolean;
  /** Which registrations may call this endpoint. */
  kinds: Client['kind'][];
}

/**
 * Authenticates the caller of a back-channel endpoint (HEART OAuth §2.2.2, RFC 7523 §3).
 * There are no client secrets: a Basic header, `client_secret` or an unsigned request from a
 * confidential client all fail the same way, with one public text.
 */
export async function authenticateClient(
  kardia: Kardia,
  request: FastifyRequest,
  params: Record<string, string>,
  options: ClientAuthOptions,
): Promise<Client> {
  const authorization = request.headers.authorization;
  if (authorization) {
    // RFC 6749 §5.2: a client that tried the Authorization header hears back in its own scheme.
    const scheme = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,30}(?= |$)/.exec(authorization)?.[0];
    const error = invalidClient('Authorization header: only private_key_jwt is accepted');
    if (scheme) error.headers['www-authenticate'] = `${scheme} realm="kardia"`;
    throw error;
  }
  if (params.client_secret) throw invalidClient('client_secret sent: no client has a secret');

  const assertion = params.client_assertion;
  if (!assertion) return authenticatePublic(kardia, params, options);
  if (params.client_assertion_type !== JWT_BEARER_ASSERTION) {
    throw invalidClient('client_assertion_type is not jwt-bearer');
  }

  let issuer: unknown;
  try {
    issuer = decodeJwt(assertion).iss;
  } catch {
    throw invalidClient('client_assertion is not a JWT');
  }
  if (typeof issuer !== 'string') throw invalidClient('assertion has no iss');
  if (params.client_id && params.client_id !== issuer) {
    throw invalidClient('client_id does not match the assertion iss');
  }

  const client = await findClient(kardia, issuer);
  if (!client || !options.kinds.includes(client.kind)) {
    throw invalidClient('unknown client or not allowed at this endpoint');
  }
  if (client.authMethod !== 'private_key_jwt') {
    throw invalidClient('client is not registered for private_key_jwt');
  }
  const keys = clientKeys(client);
  if (!keys) throw invalidClient('client has no registered keys');

  const claims = await verifyAssertion(assertion, keys, client.clientId, options.audiences);
  await rememberAssertion(kardia, client.clientId, claims.jti, claims.exp);
  return client;
}

async function authenticatePublic(
  kardia: Kardia,
  params: Record<string, string>,
  options: ClientAuthOptions,
): Promise<Client> {
  if (!options.allowPublic || !params.client_id) throw invalidClient('no client authentication');
  const client = await findClient(kardia, params.client_id);
  if (!client || client.authMethod !== 'none' || !options.kinds.includes(client.kind)) {
    throw invalidClient('client must authenticate with private_key_jwt');
  }
  return client;
}

async function verifyAssertion(
  assertion: string,
  keys: Parameters<typeof jwtVerify>[1],
  clientId: string,
  audiences: string[],
): Promise<{ jti: string; exp: number }> {
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, keys as Parameters<typeof jwtVerify>[1] & object, {
      algorithms: [...SIGNING_ALGORITHMS],
      issuer: clientId,
      subject: clientId,
      audience: audiences,
      clockTolerance: CLOCK_SKEW,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
    }));
  } catch (error) {
    const reason = error instanceof joseErrors.JOSEError ? error.code : 'verification failed';
    throw invalidClient(`client assertion rejected: ${reason}`);
  }
  const now = nowSeconds();
  const { exp, iat, jti } = payload as { exp: number; iat: number; jti: unknown };
  if (typeof jti !== 'string' || jti.length < 16 || jti.length > 256) {
    throw invalidClient('assertion jti must carry at least 128 bits');
  }
  if (exp - now > MAX_ASSERTION_LIFETIME + CLOCK_SKEW) {
    throw invalidClient('assertion exp is too far ahead');
  }
  if (iat > now + CLOCK_SKEW) throw invalidClient('assertion iat is in the future');
  return { jti, exp };
}

/**
 * HEART OAuth §2.2.2: a `jti` is used once. The database's primary key makes the check atomic,
 * so a replay is refused on every node sharing the database.
 */
async function rememberAssertion(kardia: Kardia, clientId: string, jti: string, exp: number) {
  const result = await kardia.store.grouped((db) =>
    db
      .insertInto('assertion_jtis')
      .values({ client_id: clientId, jti, expires_at: exp + CLOCK_SKEW })
      .onConflict((oc) => oc.columns(['client_id', 'jti']).doNothing())
      .executeTakeFirst(),
  );
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) !== 1) {
    throw invalidClient('client assertion jti replayed');
  }
}
