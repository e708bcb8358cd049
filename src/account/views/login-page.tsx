import { Alert, PasswordField, UsernameField } from './fields.js';
import { Layout } from './layout.js';

export interface LoginPageProps {
  stylesheet: string;
  action: string;
  csrfToken: string;
  returnTo: string;
  username?: string | undefined;
  /** A failed attempt's message; never says whether the username or the password was wrong. */
  message?: string | undefined;
  /** Where to create an account instead. */
  signupHref?: string | undefined;
}

/** The sign-in form. Field names `username` and `password` are fixed (DESIGN.md). */
export function LoginPage(props: LoginPageProps) {
  return (
    <Layout title="Sign in" stylesheet={props.stylesheet}>
      <section class="card" aria-labelledby="login-title">
        <h1 id="login-title">Sign in</h1>
        <Alert text={props.message} />
        <form method="post" action={props.action}>
          <input type="hidden" name="csrf_token" value={props.csrfToken} />
          <input type="hidden" name="return_to" value={props.returnTo} />
          <UsernameField value={props.username} />
          <PasswordField name="password" label="Password" />
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
        {props.signupHref ? (
          <p>
            New here? <a href={props.signupHref}>Create an account</a>
          </p>
        ) : null}
      </section>
    </Layout>
  );
}
