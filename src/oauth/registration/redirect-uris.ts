import { OAuthError } from '../errors.js';
import { isLoopbackHost, readStringArray } from './fields.js';
import type { MetadataValidator } from './metadata-validators.js';

/**
 * The three kinds of redirect URI HEART OAuth §2.2.3.1 allows (OA-RU-3):
 * - `web`: https on any host;
 * - `loopback`: http on the client's own host (`localhost`, `127.0.0.1`, `[::1]`), for native
 *   apps (RFC 8252 §7.3);
 * - `private-use`: a scheme of the app's own, in reverse-domain form (RFC 8252 §7.1), such as
 *   `com.example.app:/callback`; the dot keeps out `javascript:`, `data:`, `file:` and the like.
 */
export type RedirectUriKind = 'web' | 'loopback' | 'private-use';

const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/;

const invalidRedirect = (description: string) =>
  new OAuthError('invalid_redirect_uri', description);

/** The kind of one redirect URI, or undefined when it is none of the three. */
export function redirectUriKind(value: string): RedirectUriKind | undefined {
  if (!URL.canParse(value) || value.includes('#')) return undefined;
  const url = new URL(value);
  if (url.username || url.password) return undefined;
  if (url.protocol === 'https:') return url.hostname ? 'web' : undefined;
  if (url.protocol === 'http:') return isLoopbackHost(url.hostname) ? 'loopback' : undefined;
  return PRIVATE_USE_SCHEME.test(url.protocol) && value.length > url.protocol.length + 1
    ? 'private-use'
    : undefined;
}

/**
 * Code and implicit clients register their full redirect URIs (OA-RU-1), each of an allowed
 * kind and without a fragment (RFC 6749 §3.1.2), and never mix kinds (OA-RU-4). URIs are kept
 * exactly as sent, since /authorize compares whole strings (HEART OAuth §3.1.8).
 * OA-RU-5 (one domain per client) is a SHOULD NOT addressed to the client: Kardia accepts
 * several domains, since each URI is still registered in advance and matched exactly.
 */
export const redirectUrisValidator: MetadataValidator = {
  name: 'redirect_uris',
  validate(input, draft) {
    const uris = readStringArray(input, 'redirect_uris');
    const needed = draft.grantTypes.some((g) => g === 'authorization_code' || g === 'implicit');
    if (uris === undefined || uris.length === 0) {
      if (needed) throw invalidRedirect('redirect_uris are required for code and implicit clients');
      return;
    }
    const kinds = new Set<RedirectUriKind>();
    for (const uri of uris) {
      const kind = redirectUriKind(uri);
      if (!kind) {
        throw invalidRedirect(
          'each redirect URI must be https, http on localhost, or a reverse-domain private ' +
            'scheme, without a fragment',
        );
      }
      kinds.add(kind);
    }
    if (kinds.size > 1) {
      throw invalidRedirect('redirect URIs must not mix https, loopback and private-use kinds');
    }
    draft.redirectUris = [...new Set(uris)];
    draft.metadata.redirect_uris = draft.redirectUris;
  },
};
