import { OAuthError } from '../errors.js';
import { isValidScopeString, joinScope, parseScope } from '../scopes.js';

/**
 * The scope a token request gets out of what the client may have (`allowed`): the requested
 * values when every one of them is allowed, or all of `allowed` when the request names none
 * (HEART OAuth §3.4, OA-SC-1: the default is the registered or previously granted scope).
 * RFC 6749 §5.2: asking for more is `invalid_scope`.
 */
export function narrowScope(requested: string | undefined, allowed: string): string {
  const allowedValues = parseScope(allowed);
  if (requested === undefined) return joinScope(allowedValues);
  if (!isValidScopeString(requested)) {
    throw new OAuthError('invalid_scope', 'scope is not a valid scope string');
  }
  const values = parseScope(requested);
  const allowedSet = new Set(allowedValues);
  if (values.some((value) => !allowedSet.has(value))) {
    throw new OAuthError('invalid_scope', 'the requested scope exceeds what the client may have');
  }
  return joinScope(values);
}
