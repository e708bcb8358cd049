import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../server/context.js';
import { stylesheetPath } from './assets.js';
import { formBody } from './form-body.js';
import { CSRF_FIELD, checkSessionCsrf, sessionCsrfToken } from './csrf.js';
import { loginRedirect } from './login.js';
import { sendPage } from './page-rendering.js';
import { pagePath } from './paths.js';
import { currentSession, endSession } from './session.js';
import { findUserBySub } from './users.js';
import { AccountHome } from './views/account-home.js';

/** The account landing page and signing out. */
export function registerAccountHome(app: FastifyInstance, kardia: Kardia): void {
  app.get('/account', async (request, reply) => {
    const session = await currentSession(kardia, request);
    const user = session ? await findUserBySub(kardia, session.sub) : undefined;
    if (!session || !user) {
      return reply.redirect(loginRedirect(kardia, pagePath(kardia, '/account')), 303);
    }
    const page = AccountHome({
      stylesheet: stylesheetPath(kardia),
      displayName: user.name ?? user.username,
      username: user.username,
      logoutAction: pagePath(kardia, '/account/logout'),
      csrfToken: await sessionCsrfToken(kardia, session),
    });
    return sendPage(reply, page);
  });

  app.post('/account/logout', async (request, reply) => {
    const form = formBody(request);
    const session = await currentSession(kardia, request);
    if (session) {
      await checkSessionCsrf(kardia, session, form[CSRF_FIELD]);
      await endSession(kardia, request, reply);
      request.log.info({ event: 'logout', sub: session.sub }, 'signed out');
    }
    return reply.redirect(`${pagePath(kardia, '/login')}?signed_out=1`, 303);
  });
}
