import { checkClient } from './check-client.js';
import { checkConsent } from './check-consent.js';
import { checkLogin } from './check-login.js';
import { checkPkce } from './check-pkce.js';
import { checkRedirectUri } from './check-redirect-uri.js';
import { checkResponseType } from './check-response-type.js';
import { checkScope } from './check-scope.js';
import type { AuthorizationContext } from './context.js';

/**
 * One step of the authorization request. It reads the context, may record a finding on it or
 * ask for an interaction (`context.prompts`), and throws an OAuthError to refuse. It never
 * answers the browser: the endpoint does, once every check has run.
 */
export type AuthorizeCheck = (context: AuthorizationContext) => void | Promise<void>;

/**
 * The checks of /authorize, in order. Errors thrown before checkRedirectUri has passed are
 * shown as a page; after it, they are redirected to the client (spec/README.md, "Errors at
 * /authorize"). Extension point: other parts insert their checks with `addAuthorizeCheck`, by
 * the name of the function they go before or after. The OpenID provider, for instance:
 *
 *   addAuthorizeCheck(checkRequestObject, { after: 'checkRedirectUri' }); // replaces params
 *   addAuthorizeCheck(checkNonce, { after: 'checkScope' });
 *   addAuthorizeCheck(checkMaxAge, { after: 'checkLogin' }); // may add the 'login' prompt
 *   addAuthorizeCheck(checkPromptNone, { after: 'checkConsent' }); // prompts → login_required
 *
 * The functions keep their names, which are the handles above: don't wrap them anonymously.
 */
export const authorizeChecks: AuthorizeCheck[] = [
  checkClient,
  checkRedirectUri,
  checkResponseType,
  checkPkce,
  checkScope,
  checkLogin,
  checkConsent,
];

export function addAuthorizeCheck(
  check: AuthorizeCheck,
  where: { before: string } | { after: string },
): void {
  if (authorizeChecks.includes(check)) return;
  const anchor = 'before' in where ? where.before : where.after;
  const index = authorizeChecks.findIndex((existing) => existing.name === anchor);
  if (index === -1) throw new Error(`no authorization check named ${anchor}`);
  authorizeChecks.splice('before' in where ? index : index + 1, 0, check);
}

/** Runs every check in order on one request. */
export async function runAuthorizeChecks(context: AuthorizationContext): Promise<void> {
  for (const check of authorizeChecks) await check(context);
}
