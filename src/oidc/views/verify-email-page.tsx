import { Layout } from '../../account/views/layout.js';

export interface VerifyEmailPageProps {
  stylesheet: string;
  action?: string;
  token?: string;
  done?: boolean;
}

/** One button to confirm an address, then the confirmation. */
export function VerifyEmailPage(props: VerifyEmailPageProps) {
  const title = props.done ? 'Your email address is confirmed' : 'Confirm your email address';
  return (
    <Layout title={title} stylesheet={props.stylesheet}>
      <section class="card" aria-labelledby="verify-title">
        <h1 id="verify-title">{title}</h1>
        {props.done ? (
          <p>Applications you allow to see your email address will be told it is confirmed.</p>
        ) : (
          <form method="post" action={props.action}>
            <input type="hidden" name="token" value={props.token} />
            <button type="submit" class="primary">
              Confirm
            </button>
          </form>
        )}
      </section>
    </Layout>
  );
}
