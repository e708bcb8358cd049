import { Layout } from './layout.js';

export interface AccountHomeProps {
  stylesheet: string;
  /** How the user is named on the page: their name, else their username. */
  displayName: string;
  username: string;
  logoutAction: string;
  csrfToken: string;
}

/** The account landing page: who is signed in, and a way out. The dashboard grows from here. */
export function AccountHome(props: AccountHomeProps) {
  return (
    <Layout title="Your account" stylesheet={props.stylesheet} signedInAs={props.displayName}>
      <section class="card" aria-labelledby="account-title">
        <h1 id="account-title">Your account</h1>
        <p>
          Signed in as <strong data-username={props.username}>{props.displayName}</strong>
          {props.displayName !== props.username ? ` (${props.username})` : null}.
        </p>
        <form method="post" action={props.logoutAction}>
          <input type="hidden" name="csrf_token" value={props.csrfToken} />
          <button type="submit">Sign out</button>
        </form>
      </section>
    </Layout>
  );
}
