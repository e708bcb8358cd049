import type { Dashboard } from '../dashboard-context.js';
import { Csrf, DashboardFrame } from './dashboard-frame.js';
import { PasswordField } from './fields.js';

export interface SettingsPageProps {
  dashboard: Dashboard;
  notice?: string | undefined;
  problem?: string | undefined;
}

/** The account itself: email confirmation and the password. */
export function SettingsPage({ dashboard, notice, problem }: SettingsPageProps) {
  const { user } = dashboard;
  return (
    <DashboardFrame
      dashboard={dashboard}
      section="settings"
      title="Settings"
      notice={notice}
      problem={problem}
    >
      <section class="card" aria-labelledby="email-heading">
        <h2 id="email-heading">Email address</h2>
        {user.email ? (
          <p data-email-verified={user.email_verified === 1 ? 'true' : 'false'}>
            {user.email}{' '}
            {user.email_verified === 1 ? (
              <span class="badge ok">confirmed</span>
            ) : (
              <span class="badge">not confirmed yet</span>
            )}
          </p>
        ) : (
          <p>Your account has no email address.</p>
        )}
        {user.email && user.email_verified !== 1 ? (
          <form method="post" action={dashboard.path('/account/email/verify')}>
            <Csrf dashboard={dashboard} />
            <p class="muted">
              People can share their record with you by this address once it is confirmed.
            </p>
            <button type="submit">Send the confirmation link again</button>
          </form>
        ) : null}
      </section>
      <section class="card" aria-labelledby="password-heading">
        <h2 id="password-heading">Change your password</h2>
        <form method="post" action={dashboard.path('/account/password')}>
          <Csrf dashboard={dashboard} />
          <input type="text" name="username" autocomplete="username" value={user.username} hidden />
          <PasswordField name="current_password" label="Current password" />
          <PasswordField
            name="new_password"
            label="New password"
            new
            hint="At least 8 characters. A few unrelated words make a strong one."
          />
          <PasswordField name="confirm_password" label="New password again" new />
          <button type="submit" class="primary">
            Change password
          </button>
        </form>
      </section>
    </DashboardFrame>
  );
}
