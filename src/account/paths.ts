import type { Kardia } from '../server/context.js';

/**
 * The path prefix of the issuer (empty when Kardia is served at the root of its host). Pages
 * link and redirect with absolute paths under it, so a reverse proxy that mounts Kardia under a
 * prefix keeps working.
 */
export const basePath = (kardia: Kardia): string =>
  new URL(kardia.urls.issuer).pathname.replace(/\/+$/, '');

/** `path` (starting with `/`) as the browser sees it under the issuer. */
export const pagePath = (kardia: Kardia, path: string): string => `${basePath(kardia)}${path}`;

/** Cookies carry `Secure` whenever the issuer is https (HEART OAuth §6: TLS everywhere). */
export const secureCookies = (kardia: Kardia): boolean =>
  new URL(kardia.urls.issuer).protocol === 'https:';
