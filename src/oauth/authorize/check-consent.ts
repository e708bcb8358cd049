import { findActiveGrant, grantCovers } from '../consent-grants.js';
import { type AuthorizationContext, clientOf } from './context.js';

/**
 * HEART OAuth §3.1.4: the user approves the client. A live grant that already covers every
 * requested scope is the user's standing answer; otherwise the consent page is shown.
 */
export async function checkConsent(context: AuthorizationContext): Promise<void> {
  if (!context.session) return;
  const grant = await findActiveGrant(
    context.kardia,
    context.session.sub,
    clientOf(context).clientId,
  );
  if (grant && grantCovers(grant, context.scopes)) {
    context.grant = grant;
    return;
  }
  context.prompts.add('consent');
}
