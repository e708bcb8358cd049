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
        {props.message ? (
          <p class="alert" role="alert">
            {props.message}
          </p>
        ) : null}
        <form method="post" action={props.action}>
          <input type="hidden" name="csrf_token" value={props.csrfToken} />
          <input type="hidden" name="return_to" value={props.returnTo} />
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
            value={props.username || undefined}
          />
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            maxLength={1024}
          />
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
