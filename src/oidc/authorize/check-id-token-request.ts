import { type AuthorizationContext, invalidRequest } from '../../oauth/authorize/context.js';
import { openIdRequest } from './state.js';

/** Whether the response type puts an ID token in the redirect (OIDC Core §3.2.2.5). */
export const idTokenInRedirect = (context: AuthorizationContext): boolean =>
  context.responseType?.split(' ').includes('id_token') ?? false;

/**
 * OIDC Core §3.2.2.1: `id_token token` and `id_token` answer authentication requests only, so
 * the request names `openid` in its own `scope`. checkOpenIdRequest, before this, has then
 * required the `nonce` that §3.2.2.1 makes REQUIRED in the implicit flow (OIDC-RP-1).
 */
export function checkIdTokenRequest(context: AuthorizationContext): void {
  if (!idTokenInRedirect(context)) return;
  if (!openIdRequest(context).openid) {
    throw invalidRequest('this response_type needs the openid scope');
  }
}
