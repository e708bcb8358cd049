import { OAuthError } from '../../oauth/errors.js';
import type { AuthorizationContext } from '../../oauth/authorize/context.js';
import { openIdRequest } from './state.js';

/**
 * After checkConsent (OIDC Core §3.1.2.1): `prompt=consent` asks again even when a standing
 * grant covers the request; `prompt=none` must not show anything, so a needed login is
 * `login_required` and a needed consent `consent_required`, redirected to the client.
 */
export function checkPrompt(context: AuthorizationContext): void {
  const found = openIdRequest(context);
  if (!found.openid) return;
  if (found.prompt.has('consent') && context.session) context.prompts.add('consent');
  if (!found.prompt.has('none')) return;
  if (context.prompts.has('login')) {
    throw new OAuthError('login_required', 'the user must log in');
  }
  if (context.prompts.has('consent')) {
    throw new OAuthError('consent_required', 'the user must approve this request');
  }
}
