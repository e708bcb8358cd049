import { Layout } from '../../account/views/layout.js';

export interface LogoutPageProps {
  stylesheet: string;
  action: string;
  csrfToken: string;
  /** The client asking for the sign-out, when it is known. */
  clientName?: string | undefined;
  /** Carried through the form so the answer can return to the client. */
  hidden: Record<string, string>;
}

/**
 * RP-Initiated Logout 1.0 §2: without proof that the request comes from the person's own client,
 * Kardia asks before signing out, so another site cannot sign a person out behind their back.
 */
export function LogoutPage(props: LogoutPageProps) {
  return (
    <Layout title="Sign out" stylesheet={props.stylesheet}>
      <section class="card" aria-labelledby="logout-title">
        <h1 id="logout-title">Sign out of Kardia?</h1>
        <p>
          {props.clientName
            ? `${props.clientName} asks to end your Kardia session.`
            : 'An application asks to end your Kardia session.'}
        </p>
        <form method="post" action={props.action}>
          <input type="hidden" name="csrf_token" value={props.csrfToken} />
          {Object.entries(props.hidden).map(([name, value]) => (
            <input type="hidden" name={name} value={value} key={name} />
          ))}
          <button type="submit" name="decision" value="allow" class="primary">
            Sign out
          </button>
          <button type="submit" name="decision" value="deny">
            Stay signed in
          </button>
        </form>
      </section>
    </Layout>
  );
}

/** The answer when there is nowhere registered to return to. */
export function LogoutDonePage(props: { stylesheet: string; signedOut: boolean }) {
  const title = props.signedOut ? 'You are signed out' : 'You are still signed in';
  return (
    <Layout title={title} stylesheet={props.stylesheet}>
      <section class="card" aria-labelledby="logout-done-title">
        <h1 id="logout-done-title">{title}</h1>
      </section>
    </Layout>
  );
}
