import type { FastifyRequest } from 'fastify';
import type { Kardia } from '../../server/context.js';
import { randomToken, safeEqual, sha256 } from '../../util/random.js';
import { OAuthError } from '../errors.js';

/**
 * The registration access token (RFC 7592 §1.2): a bearer token for the client configuration
 * endpoint, 256 random bits, of which only the SHA-256 is stored. Static clients have none, so
 * no token opens their configuration.
 */
export function newRegistrationToken(): { token: string; hash: string } {
  const token = randomToken();
  return { token, hash: sha256(token) };
}

/** RFC 6750 §3.1 and RFC 7592 §2: every failure is the same 401, whatever was wrong. */
const invalidToken = (detail: string) =>
  new OAuthError('invalid_token', 'the registration access token is not valid', {
    detail,
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  });

export interface RegistrationRow {
  clientId: string;
  tokenHash: string;
  createdAt: number;
}

/**
 * Authenticates a call to the configuration endpoint of `clientId`. An unknown client answers
 * like a wrong token (RFC 7592 §2.1), so the endpoint reveals no client's existence.
 */
export async function authenticateRegistration(
  kardia: Kardia,
  request: FastifyRequest,
  clientId: string,
): Promise<RegistrationRow> {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header);
  if (!match?.[1]) {
    throw new OAuthError('invalid_token', 'a registration access token is required', {
      status: 401,
      detail: 'no bearer token',
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  const row =
    clientId.length <= 200
      ? await kardia.store.db
          .selectFrom('clients')
          .select(['client_id', 'registration_access_token_hash', 'created_at'])
          .where('client_id', '=', clientId)
          .executeTakeFirst()
      : undefined;
  const stored = row?.registration_access_token_hash;
  if (!row || !stored || !safeEqual(sha256(match[1]), stored)) {
    throw invalidToken('unknown client, static client or wrong registration access token');
  }
  return { clientId: row.client_id, tokenHash: stored, createdAt: row.created_at };
}

/**
 * RFC 7592 §3: every client information response carries a registration access token. Kardia
 * keeps only hashes, so it rotates the token on each read and update; the swap succeeds only
 * from the hash just checked, so of two concurrent calls with one token only one gets a new one.
 */
export async function rotateRegistrationToken(
  kardia: Kardia,
  registration: RegistrationRow,
): Promise<string> {
  const next = newRegistrationToken();
  const result = await kardia.store.db
    .updateTable('clients')
    .set({ registration_access_token_hash: next.hash })
    .where('client_id', '=', registration.clientId)
    .where('registration_access_token_hash', '=', registration.tokenHash)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw invalidToken('token used concurrently');
  return next.token;
}
