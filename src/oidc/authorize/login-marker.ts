import { createHmac } from 'node:crypto';
import { cookieSecret } from '../../account/secret.js';
import type { LoginSession } from '../../account/session.js';
import type { AuthorizationContext } from '../../oauth/authorize/context.js';
import { safeEqual } from '../../util/random.js';
import { nowSeconds } from '../../util/time.js';

/**
 * When Kardia sends a browser to log in again (prompt=login, max_age, a hint for someone else),
 * the request comes back from the login page unchanged and would ask again, forever. So the way
 * back carries this parameter: the time the login was asked for, MACed with the server secret.
 * A session that logged in after that time has done what was asked.
 */
export const LOGIN_MARKER = 'kardia_login_requested';

/** A marker older than this no longer counts, seconds. */
const MARKER_LIFETIME = 900;

const mac = async (context: AuthorizationContext, time: number) =>
  createHmac('sha256', await cookieSecret(context.kardia))
    .update(`login-requested:${context.params.client_id ?? ''}:${time}`)
    .digest('base64url');

export async function markLoginRequested(context: AuthorizationContext): Promise<void> {
  const time = nowSeconds();
  context.received = { ...context.received, [LOGIN_MARKER]: `${time}.${await mac(context, time)}` };
}

/** Whether `session` logged in after this request last sent the browser to log in. */
export async function loginDoneSinceRequested(
  context: AuthorizationContext,
  session: LoginSession,
): Promise<boolean> {
  const marker = context.received[LOGIN_MARKER];
  const match = marker ? /^(\d{1,12})\.([\w-]{43})$/.exec(marker) : null;
  if (!match?.[1] || !match[2]) return false;
  const time = Number(match[1]);
  if (nowSeconds() - time > MARKER_LIFETIME) return false;
  if (!safeEqual(match[2], await mac(context, time))) return false;
  return session.authTime >= time;
}
