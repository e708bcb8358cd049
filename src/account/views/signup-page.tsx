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
        {props.problem ? (
          <p class="alert" role="alert">
            {props.problem}
          </p>
        ) : null}
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
          <label for="username">Username</label>
          <input
            id="username"
            name="username"
            type="text"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            required
            maxLength={64}
            pattern="[a-z0-9][a-z0-9._\-]{0,63}"
            aria-describedby="username-hint"
            value={values.username || undefined}
          />
          <p id="username-hint" class="muted">
            Lower-case letters, digits, dots, dashes or underscores.
          </p>
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minLength={8}
            maxLength={1024}
          />
          <label for="password_confirm">Password again</label>
          <input
            id="password_confirm"
            name="password_confirm"
            type="password"
            autocomplete="new-password"
            required
            minLength={8}
            maxLength={1024}
          />
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
