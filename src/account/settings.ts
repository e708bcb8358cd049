import type { FastifyInstance } from 'fastify';
import { EmailVerificationError, sendEmailVerification } from '../oidc/email-verification.js';
import type { Kardia } from '../server/context.js';
import {
  type Dashboard,
  dashboardAction,
  dashboardPage,
  doneRedirect,
  noticeOf,
} from './dashboard-context.js';
import { PageError } from './page-error.js';
import { sendPage } from './page-rendering.js';
import { clearUsernameFailures, loginRetryAfter, recordLoginFailure } from './rate-limit.js';
import { endOtherSessions } from './session.js';
import { checkPassword, setPassword } from './users.js';
import { SettingsPage } from './views/settings-page.js';

const NOTICES = {
  password: 'Your password is changed. Other devices signed in to your account are signed out.',
  sent: 'We sent a new confirmation link to your email address.',
};

/** Settings: the email address and its confirmation, and changing the password. */
export function registerSettings(app: FastifyInstance, kardia: Kardia): void {
  app.get(
    '/account/settings',
    dashboardPage(kardia, async (dashboard, request, reply) =>
      sendPage(reply, SettingsPage({ dashboard, notice: noticeOf(request, NOTICES) })),
    ),
  );

  app.post(
    '/account/password',
    dashboardAction(kardia, async (dashboard, form, request, reply) => {
      const problem = await changePassword(kardia, dashboard, form, request.ip);
      if (problem) return sendPage(reply, SettingsPage({ dashboard, problem }), 400);
      await endOtherSessions(kardia, dashboard.session);
      request.log.info({ event: 'password_changed', sub: dashboard.user.sub }, 'password changed');
      return doneRedirect(reply, dashboard, '/account/settings', 'password');
    }),
  );

  app.post(
    '/account/email/verify',
    dashboardAction(kardia, async (dashboard, _form, _request, reply) => {
      try {
        await sendEmailVerification(kardia, dashboard.user.sub);
      } catch (error) {
        if (!(error instanceof EmailVerificationError)) throw error;
        throw new PageError(400, 'No link was sent', `No link was needed: ${error.message}.`);
      }
      return doneRedirect(reply, dashboard, '/account/settings', 'sent');
    }),
  );
}

/** Answers what is wrong with the change, or undefined once the new password is set. */
async function changePassword(
  kardia: Kardia,
  dashboard: Dashboard,
  form: Record<string, string>,
  address: string,
): Promise<string | undefined> {
  const current = form.current_password ?? '';
  const next = form.new_password ?? '';
  if (next.length < 8 || next.length > 1024) {
    return 'The new password must have 8 to 1024 characters.';
  }
  if (next !== (form.confirm_password ?? '')) return 'The two new passwords are not the same.';
  if (next === current) return 'The new password must differ from the current one.';
  const { username } = dashboard.user;
  // The current password is a guessable secret: the sign-in limits count failures here too.
  const wait = await loginRetryAfter(kardia, username, address);
  if (wait > 0) return 'Too many wrong passwords. Please wait a few minutes and try again.';
  if (!(await checkPassword(kardia, username, current))) {
    await recordLoginFailure(kardia, username, address);
    return 'The current password is not right.';
  }
  await clearUsernameFailures(kardia, username);
  await setPassword(kardia, dashboard.user.sub, next);
  return undefined;
}
