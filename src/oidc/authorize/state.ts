import type { AuthorizationContext } from '../../oauth/authorize/context.js';
import type { IdTokenHint } from '../id-token-hint.js';
import type { PromptValue } from '../prompt.js';

/** What the OpenID checks of one authorization request found, for the checks after them. */
export interface OpenIdRequest {
  /** The request asks for `openid`: it is an authentication request (OIDC Core §3.1.2.1). */
  openid: boolean;
  prompt: Set<PromptValue>;
  maxAge: number | undefined;
  /** Requested vectors, in preference order (RFC 8485 §6.1); they win over `acr_values`. */
  vtr: string[] | undefined;
  acrValues: string[];
  idTokenHint: IdTokenHint | undefined;
  loginHint: string | undefined;
  /** The request object's `jti`, consumed when the response is issued. */
  requestObject: { jti: string; exp: number } | undefined;
}

const requests = new WeakMap<AuthorizationContext, OpenIdRequest>();

export function openIdRequest(context: AuthorizationContext): OpenIdRequest {
  let found = requests.get(context);
  if (!found) {
    found = {
      openid: false,
      prompt: new Set(),
      maxAge: undefined,
      vtr: undefined,
      acrValues: [],
      idTokenHint: undefined,
      loginHint: undefined,
      requestObject: undefined,
    };
    requests.set(context, found);
  }
  return found;
}
