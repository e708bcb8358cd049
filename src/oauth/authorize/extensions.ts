import type { AuthorizationContext } from './context.js';

/**
 * Extension point: hooks that add members to a successful authorization response before it
 * is redirected, for every response type (`code` and `token`). `response` holds what the
 * responder made (`code`, or `access_token`, `token_type`, `expires_in`, `scope`); `state` is
 * added after the hooks. The OpenID provider uses this to add an `id_token` to response types
 * that carry one, or `session_state`.
 */
export type AuthorizeResponseExtension = (
  context: AuthorizationContext,
  response: Record<string, string>,
) => void | Promise<void>;

export const authorizeResponseExtensions: AuthorizeResponseExtension[] = [];
