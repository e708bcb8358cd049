import { currentSession } from '../../account/session.js';
import { findUserBySub } from '../../account/users.js';
import type { AuthorizationContext } from './context.js';

/**
 * HEART OAuth §2.1.1-§2.1.3: the user logs in at the authorization server (OA-FC-2, OA-NC-1,
 * OA-BE-2). Without a live session the endpoint sends the browser to the login page. The
 * OpenID provider's checks after this one may ask for a fresh login too (max_age, vtr).
 */
export async function checkLogin(context: AuthorizationContext): Promise<void> {
  const session = await currentSession(context.kardia, context.request);
  const user = session ? await findUserBySub(context.kardia, session.sub) : undefined;
  if (!session || !user) {
    context.prompts.add('login');
    return;
  }
  context.session = session;
  context.extra.auth_time = session.authTime;
  context.extra.amr = session.amr;
}
