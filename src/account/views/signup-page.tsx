import { Alert, PasswordField, UsernameField } from './fields.js';
import { Layout } from './layout.js';

export interface SignupValues {
  username?: string;
  name?: string;
  email?: string;
}

export interface SignupPageProps {
  stylesheet: string;
  action: string;
  loginHref: string;
  csrfToken: string;
  values: SignupValues;
  problem?: string | undefined;
}

/** Creating an account; what was typed comes back after a problem, except the passwords. */
export function SignupPage(props: SignupPageProps) {
  const { values } = props;
  return (
    <Layout title="Create an account" stylesheet={props.stylesheet}>
      <section class="card" aria-labelledby="signup-title">
        <h1 id="signup-title">Create an account</h1>
        <Alert text={props.problem} />
        <form method="post" action={props.action}>
          <input type="hidden" name="csrf_token" value={props.csrfToken} />
          <label for="name">Your name</label>
          <input
            id="name"
            name="name"
            type="text"
            autocomplete="name"
            required
            maxLength={200}
            value={values.name || undefined}
          />
          <label for="email">Email address</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="email"
            required
            maxLength={254}
            value={values.email || undefined}
            aria-describedby="email-hint"
          />
          <p id="email-hint" class="muted">
            We send a link to confirm it. People share their records with you by this address.
          </p>
          <UsernameField
            value={values.username}
            pattern="[a-z0-9][a-z0-9._\-]{0,63}"
            hint="Lower-case letters, digits, dots, dashes or underscores."
          />
          <PasswordField name="password" label="Password" new />
          <PasswordField name="password_confirm" label="Password again" new />
          <button type="submit" class="primary">
            Create account
          </button>
        </form>
        <p>
          Have an account already? <a href={props.loginHref}>Sign in</a>
        </p>
      </section>
    </Layout>
  );
}
