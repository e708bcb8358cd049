import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kardia } from '../server/context.js';
import { stylesheetPath } from './assets.js';
import { formBody } from './form-body.js';
import { CSRF_FIELD, checkLoginCsrf, loginCsrfToken } from './csrf.js';
import { sendPage } from './page-rendering.js';
import { PageError } from './page-error.js';
import { pagePath } from './paths.js';
import { clearUsernameFailures, loginRetryAfter, recordLoginFailure } from './rate-limit.js';
import { safeReturnPath } from './return-to.js';
import { currentSession, forgetSession, startSession } from './session.js';
import { checkPassword } from './users.js';
import { LoginPage } from './views/login-page.js';

/** The sign-in URL for a browser that should come back to `returnTo` afterwards. */
export const loginRedirect = (kardia: Kardia, returnTo: string): string =>
  `${pagePath(kardia, '/login')}?${new URLSearchParams({ return_to: returnTo }).toString()}`;

/** One public text for every failed attempt: it never tells which of the two was wrong. */
const WRONG_CREDENTIALS = 'The username or password is not right. Please try again.';

export function registerLogin(app: FastifyInstance, kardia: Kardia): void {
  app.get('/login', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const returnTo = typeof query.return_to === 'string' ? query.return_to : undefined;
    const message = query.signed_out === '1' ? 'You are signed out.' : undefined;
    return showLoginForm(kardia, request, reply, { returnTo, message });
  });

  app.post('/login', async (request, reply) => {
    const form = formBody(request);
    await checkLoginCsrf(kardia, request, form[CSRF_FIELD]);
    const username = (form.username ?? '').slice(0, 256);
    const returnTo = safeReturnPath(kardia, form.return_to);

    const wait = await loginRetryAfter(kardia, username, request.ip);
    if (wait > 0) throw tooManyAttempts(wait);

    const user = await checkPassword(kardia, username, form.password ?? '');
    if (!user) {
      await recordLoginFailure(kardia, username, request.ip);
      request.log.info({ event: 'login_failed' }, 'sign-in refused');
      const failed = { returnTo, username, message: WRONG_CREDENTIALS };
      return showLoginForm(kardia, request, reply, failed, 400);
    }

    await clearUsernameFailures(kardia, username);
    const previous = await currentSession(kardia, request);
    if (previous) await forgetSession(kardia, previous);
    await startSession(kardia, reply, user.sub, ['pwd']);
    request.log.info({ event: 'login', sub: user.sub }, 'signed in');
    return reply.header('cache-control', 'no-store').redirect(returnTo, 303);
  });
}

async function showLoginForm(
  kardia: Kardia,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { returnTo?: string | undefined; username?: string; message?: string | undefined },
  status = 200,
): Promise<FastifyReply> {
  const page = LoginPage({
    stylesheet: stylesheetPath(kardia),
    action: pagePath(kardia, '/login'),
    csrfToken: await loginCsrfToken(kardia, request, reply),
    returnTo: safeReturnPath(kardia, options.returnTo),
    username: options.username,
    message: options.message,
    signupHref: pagePath(kardia, '/signup'),
  });
  return sendPage(reply, page, status);
}

function tooManyAttempts(wait: number): PageError {
  const minutes = Math.max(1, Math.ceil(wait / 60));
  return new PageError(
    429,
    'Too many sign-in attempts',
    `Signing in is paused after several failed attempts. Please try again in ${minutes} ` +
      `minute${minutes === 1 ? '' : 's'}.`,
    { detail: 'login rate limit reached', headers: { 'retry-after': String(wait) } },
  );
}
