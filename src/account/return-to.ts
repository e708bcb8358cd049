import type { Kardia } from '../server/context.js';
import { basePath, pagePath } from './paths.js';

/** Where a sign-in goes when it was not sent from anywhere: the account page. */
export const defaultReturnPath = (kardia: Kardia): string => pagePath(kardia, '/account');

/**
 * A return path after sign-in, kept only when it points back into this server: an absolute
 * path under the issuer's own prefix, never `//host`, a backslash or a control character (which
 * browsers may read as another host), and resolving to the issuer's own origin. Anything else
 * becomes the account page, so the login form is never an open redirector.
 */
export function safeReturnPath(kardia: Kardia, candidate: string | undefined): string {
  const fallback = defaultReturnPath(kardia);
  if (!candidate || candidate.length > 8192) return fallback;
  const prefix = `${basePath(kardia)}/`;
  if (!candidate.startsWith(prefix) || candidate.startsWith('//')) return fallback;
  if (candidate.includes('\\') || hasControlCharacter(candidate)) return fallback;
  const issuer = new URL(kardia.urls.issuer);
  let resolved: URL;
  try {
    resolved = new URL(candidate, issuer.origin);
  } catch {
    return fallback;
  }
  if (resolved.origin !== issuer.origin || !resolved.pathname.startsWith(prefix)) return fallback;
  return `${resolved.pathname}${resolved.search}`;
}

const hasControlCharacter = (text: string): boolean =>
  [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
