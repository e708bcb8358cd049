import type { OAuthError } from '../errors.js';
import type { ResponseMode } from './context.js';

/**
 * Percent-encodes with encodeURIComponent rather than the form serializer, so unreserved
 * characters such as `~` stay as they were and `state` comes back byte for byte (OA-AZ-3).
 */
function encodeParams(params: Record<string, string | undefined>): string {
  return Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

/**
 * The client's redirect URI with the response added: to the query, keeping any query the
 * registered URI has (RFC 6749 §3.1.2), or as the fragment.
 */
export function redirectLocation(
  redirectUri: string,
  mode: ResponseMode,
  params: Record<string, string | undefined>,
): string {
  const encoded = encodeParams(params);
  const base = redirectUri.split('#')[0] ?? redirectUri;
  if (mode === 'fragment') return `${base}#${encoded}`;
  const query = base.indexOf('?');
  if (query === -1) return `${base}?${encoded}`;
  const separator = base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${encoded}`;
}

/** RFC 6749 §4.1.2.1 and §4.2.2.1: `error`, `error_description`, and `state` when one was sent. */
export function errorLocation(
  redirectUri: string,
  mode: ResponseMode,
  error: OAuthError,
  state: string | undefined,
): string {
  return redirectLocation(redirectUri, mode, {
    error: error.code,
    error_description: error.description,
    state,
  });
}
