import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kardia } from '../server/context.js';
import { clearCookie, readCookies, setCookie, signValue, unsignValue } from '../server/cookies.js';
import { randomToken, sha256 } from '../util/random.js';
import { nowSeconds } from '../util/time.js';
import { secureCookies } from './paths.js';
import { cookieSecret } from './secret.js';

export const SESSION_COOKIE = 'kardia_session';

/** A signed-in browser. The session id itself lives only in the cookie; the row holds its hash. */
export interface LoginSession {
  /** The random session id from the cookie (never stored, never logged). */
  id: string;
  sub: string;
  /** When the user last actively authenticated (OpenID Connect `auth_time`). */
  authTime: number;
  /** Authentication methods of that login (RFC 8176 values, e.g. `pwd`). */
  amr: string[];
  expiresAt: number;
}

/**
 * Starts a session after a successful login. A new id every time, so a session id planted in a
 * browser before login is worth nothing after it (session fixation).
 */
export async function startSession(
  kardia: Kardia,
  reply: FastifyReply,
  sub: string,
  amr: string[],
): Promise<LoginSession> {
  const id = randomToken();
  const now = nowSeconds();
  const session = { id, sub, authTime: now, amr, expiresAt: now + kardia.settings.sessionTtl };
  await kardia.store.db.deleteFrom('login_sessions').where('expires_at', '<', now).execute();
  await kardia.store.db
    .insertInto('login_sessions')
    .values({
      id_hash: sha256(id),
      sub,
      auth_time: now,
      amr: JSON.stringify(amr),
      expires_at: session.expiresAt,
      created_at: now,
    })
    .execute();
  setCookie(reply, SESSION_COOKIE, signValue(id, await cookieSecret(kardia)), {
    secure: secureCookies(kardia),
    sameSite: 'Lax',
    maxAge: kardia.settings.sessionTtl,
  });
  return session;
}

/** The session of the browser that sent `request`, when its cookie is genuine and still live. */
export async function currentSession(
  kardia: Kardia,
  request: FastifyRequest,
): Promise<LoginSession | undefined> {
  const signed = readCookies(request)[SESSION_COOKIE];
  if (!signed || signed.length > 200) return undefined;
  const id = unsignValue(signed, await cookieSecret(kardia));
  if (!id) return undefined;
  const row = await kardia.store.db
    .selectFrom('login_sessions')
    .selectAll()
    .where('id_hash', '=', sha256(id))
    .executeTakeFirst();
  if (!row || row.expires_at <= nowSeconds()) return undefined;
  return {
    id,
    sub: row.sub,
    authTime: row.auth_time,
    amr: parseAmr(row.amr),
    expiresAt: row.expires_at,
  };
}

/** Signs the browser out: the row goes, so the cookie is worthless on every node at once. */
export async function endSession(
  kardia: Kardia,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const session = await currentSession(kardia, request);
  if (session) await forgetSession(kardia, session);
  clearCookie(reply, SESSION_COOKIE, secureCookies(kardia));
}

/** Deletes a session's row: its cookie then opens nothing, on any node. */
export async function forgetSession(kardia: Kardia, session: LoginSession): Promise<void> {
  await kardia.store.db
    .deleteFrom('login_sessions')
    .where('id_hash', '=', sha256(session.id))
    .execute();
}

/** Ends every session of a user (for a later password change or account removal). */
export async function endSessionsOf(kardia: Kardia, sub: string): Promise<void> {
  await kardia.store.db.deleteFrom('login_sessions').where('sub', '=', sub).execute();
}

function parseAmr(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/** Ends every other session of the user (after a password change), keeping this one. */
export async function endOtherSessions(kardia: Kardia, session: LoginSession): Promise<void> {
  await kardia.store.db
    .deleteFrom('login_sessions')
    .where('sub', '=', session.sub)
    .where('id_hash', '!=', sha256(session.id))
    .execute();
}
