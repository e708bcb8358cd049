import { OAuthError } from '../errors.js';
import { isValidScopeString, parseScope } from '../scopes.js';
import { type AuthorizationContext, clientOf } from './context.js';

/**
 * HEART OAuth §3.4: a request without `scope` gets the client's registered scope (Kardia's
 * default, OA-SC-1). A scope outside the registered set is refused with `invalid_scope`, which
 * is also how the limits on dynamically registered clients hold (OA-DR-4).
 */
export function checkScope(context: AuthorizationContext): void {
  const client = clientOf(context);
  const requested = context.params.scope;
  if (requested !== undefined && !isValidScopeString(requested)) {
    throw new OAuthError('invalid_scope', 'scope is not a valid scope string');
  }
  const scopes = parseScope(requested ?? client.scope);
  if (scopes.length === 0) {
    throw new OAuthError('invalid_scope', 'no scope was requested and none is registered');
  }
  const registered = new Set(parseScope(client.scope));
  const refused = scopes.filter((scope) => !registered.has(scope));
  if (refused.length > 0) {
    throw new OAuthError('invalid_scope', 'a requested scope is not registered for this client', {
      detail: `unregistered scopes: ${refused.length}`,
    });
  }
  context.scopes = scopes;
}
