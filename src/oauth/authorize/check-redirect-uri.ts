import { OAuthError } from '../errors.js';
import { type AuthorizationContext, clientOf } from './context.js';

/**
 * HEART OAuth §2.2.1 and §3.1.8: every request names its redirect URI, even when the client has
 * one, and it must equal a registered URI as a string, with no normalisation (OA-AZ-5..7,
 * OA-RM-1, OA-RU-2). Failing that, the answer is a page: nothing redirects to an unregistered URI.
 */
export function checkRedirectUri(context: AuthorizationContext): void {
  const requested = context.params.redirect_uri;
  if (!requested) {
    throw new OAuthError('invalid_request', 'The request does not say where to return.', {
      detail: 'missing redirect_uri',
    });
  }
  if (!clientOf(context).redirectUris.includes(requested)) {
    throw new OAuthError(
      'invalid_request',
      'The return address in the request is not registered for this application.',
      { detail: 'redirect_uri does not match a registered URI' },
    );
  }
  context.redirectUri = requested;
}
