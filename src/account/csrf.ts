import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kardia } from '../server/context.js';
import { readCookies, setCookie } from '../server/cookies.js';
import { randomToken, safeEqual } from '../util/random.js';
import { PageError } from './page-error.js';
import { secureCookies } from './paths.js';
import { cookieSecret } from './secret.js';
import type { LoginSession } from './session.js';

/** The hidden form field every form of Kardia's pages carries. */
export const CSRF_FIELD = 'csrf_token';

/** Before login there is no session to bind to: a random value in its own cookie stands in. */
const PRE_LOGIN_COOKIE = 'kardia_csrf';

const derive = (secret: string, binding: string): string =>
  createHmac('sha256', secret).update(`csrf:${binding}`).digest('base64url');

/**
 * The token for forms shown to a signed-in user: an HMAC of the session id, so a page on another
 * site can neither read nor forge it, and it dies with the session.
 */
export async function sessionCsrfToken(kardia: Kardia, session: LoginSession): Promise<string> {
  return derive(await cookieSecret(kardia), `session:${session.id}`);
}

export async function checkSessionCsrf(
  kardia: Kardia,
  session: LoginSession,
  sent: string | undefined,
): Promise<void> {
  const expected = await sessionCsrfToken(kardia, session);
  if (!sent || !safeEqual(sent, expected)) throw csrfRefused();
}

/**
 * The login form's token: an HMAC of a random value kept in an HttpOnly cookie (a signed
 * double-submit cookie). Made on first sight and reused, so two open login tabs both work.
 */
export async function loginCsrfToken(
  kardia: Kardia,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<string> {
  let binding = readCookies(request)[PRE_LOGIN_COOKIE];
  if (!binding || !/^[\w-]{43}$/.test(binding)) {
    binding = randomToken();
    setCookie(reply, PRE_LOGIN_COOKIE, binding, {
      secure: secureCookies(kardia),
      sameSite: 'Lax',
      maxAge: 3600,
    });
  }
  return derive(await cookieSecret(kardia), `login:${binding}`);
}

export async function checkLoginCsrf(
  kardia: Kardia,
  request: FastifyRequest,
  sent: string | undefined,
): Promise<void> {
  const binding = readCookies(request)[PRE_LOGIN_COOKIE];
  if (!binding || !sent) throw csrfRefused();
  if (!safeEqual(sent, derive(await cookieSecret(kardia), `login:${binding}`))) {
    throw csrfRefused();
  }
}

const csrfRefused = () =>
  new PageError(403, 'This form has expired', 'Go back, reload the page and try again.', {
    detail: 'CSRF token missing or wrong',
  });
