import type { Kardia } from '../server/context.js';
import { sharedSecret } from '../store/server-secrets.js';

/** Name of the shared secret that signs cookies and derives CSRF tokens on every node. */
const COOKIE_SECRET = 'cookie_secret';

const cache = new WeakMap<Kardia, Promise<string>>();

/** The cookie-signing secret, made once in the database and the same on every node. */
export function cookieSecret(kardia: Kardia): Promise<string> {
  let secret = cache.get(kardia);
  if (!secret) {
    secret = sharedSecret(kardia.store, COOKIE_SECRET);
    secret.catch(() => cache.delete(kardia));
    cache.set(kardia, secret);
  }
  return secret;
}
