import { OAuthError } from '../errors.js';
import { canonicalResponseType } from '../registration/grant-set.js';
import {
  type AuthorizationContext,
  clientOf,
  invalidRequest,
  type ResponseMode,
} from './context.js';

/**
 * The response types this endpoint answers and how each travels back (RFC 6749 §4.1.2,
 * §4.2.2). The OpenID provider may add a type here together with its responder in respond.ts.
 */
export const responseModes: Record<string, ResponseMode> = {
  code: 'query',
  token: 'fragment',
};

/**
 * RFC 6749 §3.1.1 and HEART OAuth §3.1.1: one grant per client, so a client may use only the
 * response type it registered (OA-AZ-9): a code client sending `token` is `unauthorized_client`.
 */
export function checkResponseType(context: AuthorizationContext): void {
  const raw = context.params.response_type;
  if (!raw) throw invalidRequest('response_type is required');
  const responseType = canonicalResponseType(raw);
  const mode = responseModes[responseType];
  if (!mode) {
    throw new OAuthError('unsupported_response_type', 'this response_type is not supported');
  }
  if (!clientOf(context).responseTypes.includes(responseType)) {
    throw new OAuthError(
      'unauthorized_client',
      'this client is not registered for this response_type',
    );
  }
  const requestedMode = context.params.response_mode;
  if (requestedMode !== undefined && requestedMode !== mode) {
    throw invalidRequest(`response_mode must be ${mode} for this response_type`);
  }
  context.responseType = responseType;
  context.responseMode = mode;
}
