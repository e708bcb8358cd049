import { Layout } from './layout.js';

export interface ErrorPageProps {
  stylesheet: string;
  status: number;
  title: string;
  text: string;
}

/** A readable error: what happened in a sentence, never a stack trace or an internal message. */
export function ErrorPage({ stylesheet, status, title, text }: ErrorPageProps) {
  return (
    <Layout title={title} stylesheet={stylesheet}>
      <section class="card error" aria-labelledby="error-title">
        <h1 id="error-title">{title}</h1>
        <p>{text}</p>
        <p class="status">Error {status}</p>
      </section>
    </Layout>
  );
}
