import { findUserBySub } from '../../account/users.js';
import { type AuthorizationContext, clientOf } from '../../oauth/authorize/context.js';
import { nowSeconds } from '../../util/time.js';
import { chooseAcr } from '../authentication-context.js';
import { subjectFor } from '../pairwise.js';
import { chooseVector } from '../vectors-of-trust.js';
import { delivery, encrypts } from './check-openid-request.js';
import { loginDoneSinceRequested, markLoginRequested } from './login-marker.js';
import { openIdRequest } from './state.js';

/**
 * After checkLogin: whether the session that exists is the login the client asked for
 * (OIDC Core §3.1.2.1 prompt=login, max_age, id_token_hint, login_hint; HEART OIDC §3.4 vtr).
 * If not, the person logs in again (OIDC-VT-3). Then it records what the ID token reports:
 * `vot` for a `vtr` request, else `acr` when one was asked for, and `amr`.
 */
export async function checkReauthentication(context: AuthorizationContext): Promise<void> {
  const found = openIdRequest(context);
  const session = context.session;
  if (!found.openid) return;
  // The login checkLogin asks for is itself the fresh one any reason below may want.
  if (!session) return context.prompts.has('login') ? markLoginRequested(context) : undefined;
  const { kardia } = context;
  const now = nowSeconds();

  const reasons: string[] = [];
  if (found.prompt.has('login')) reasons.push('prompt=login');
  // OIDC Core §3.1.2.1: max_age=0 means the same as prompt=login.
  const maxAge = found.maxAge;
  if (maxAge !== undefined && (maxAge === 0 || now - session.authTime > maxAge)) {
    reasons.push('max_age');
  }
  if (found.idTokenHint) {
    const subject = await subjectFor(kardia, clientOf(context), session.sub);
    if (subject !== found.idTokenHint.sub) reasons.push('id_token_hint');
  }
  if (found.loginHint) {
    const user = await findUserBySub(kardia, session.sub);
    if (found.loginHint !== user?.username && found.loginHint !== user?.email) {
      reasons.push('login_hint');
    }
  }
  if (reasons.length > 0 && !(await loginDoneSinceRequested(context, session))) {
    return askForLogin(context, reasons);
  }

  if (found.vtr) {
    const achievement = {
      credentialAge: now - session.authTime,
      delivery: delivery(context),
      encrypted: encrypts(context),
    };
    const choice = chooseVector(found.vtr, achievement);
    // checkOpenIdRequest already refused vectors no login can meet; this one needs a fresh one.
    if (typeof choice !== 'object') return askForLogin(context, ['vtr']);
    context.extra.vot = choice.vector;
  } else {
    const acr = chooseAcr(found.acrValues);
    if (acr) context.extra.acr = acr;
  }
  context.extra.auth_time = session.authTime;
  context.extra.amr = session.amr;
}

async function askForLogin(context: AuthorizationContext, reasons: string[]): Promise<void> {
  context.request.log.info({ event: 'login_again', reasons }, 'a fresh login is required');
  context.prompts.add('login');
  await markLoginRequested(context);
}
