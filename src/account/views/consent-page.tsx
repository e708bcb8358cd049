import { DecisionButtons } from './fields.js';
import type { ScopeDescription } from '../../oauth/consent-scopes.js';
import { Layout } from './layout.js';

export interface ConsentPageProps {
  stylesheet: string;
  action: string;
  csrfToken: string;
  /** The authorization request's parameters, sent again with the decision. */
  params: Record<string, string>;
  signedInAs: string;
  clientName: string;
  clientId: string;
  clientUri?: string | undefined;
  /** HEART OAuth §3.1.3, §3.1.4: whether the client registered itself or an administrator did. */
  registration: 'dynamic' | 'static';
  /** The issuer of the client's software statement, when it came with one. */
  softwareStatementIssuer?: string | null | undefined;
  /** Where the browser goes after the decision, as a host name the user can recognise. */
  destination: string;
  scopes: ScopeDescription[];
}

/**
 * The approval page (HEART OAuth §3.1.4): who asks, how it came to be registered, who vouched
 * for it, what it asks for, and two buttons `name="decision"`, `allow` and `deny` (DESIGN.md).
 */
export function ConsentPage(props: ConsentPageProps) {
  return (
    <Layout title="Allow access?" stylesheet={props.stylesheet} signedInAs={props.signedInAs}>
      <section class="card" aria-labelledby="consent-title">
        <h1 id="consent-title">Allow {props.clientName} to use your health record?</h1>
        <div class="client" data-registration={props.registration} data-client-id={props.clientId}>
          <p>
            <strong>{props.clientName}</strong>
            {props.clientUri ? <span class="destination"> ({props.clientUri})</span> : null}
          </p>
          <p class="registration">
            {props.registration === 'dynamic'
              ? 'This application registered itself with Kardia. No administrator has checked it.'
              : 'This application was registered by an administrator of this server.'}
          </p>
          <p class="statement">
            {props.softwareStatementIssuer ? (
              <>
                It presented a software statement issued by{' '}
                <strong data-software-statement-issuer={props.softwareStatementIssuer}>
                  {props.softwareStatementIssuer}
                </strong>
                .
              </>
            ) : (
              'It presented no software statement.'
            )}
          </p>
        </div>
        <h2>It asks to</h2>
        <ul class="scopes">
          {props.scopes.map((scope) => (
            <li key={scope.scope} data-scope={scope.scope}>
              {scope.text} <code>{scope.scope}</code>
            </li>
          ))}
        </ul>
        <p class="destination">After you choose, you return to {props.destination}.</p>
        <form method="post" action={props.action}>
          {Object.entries(props.params).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          <input type="hidden" name="csrf_token" value={props.csrfToken} />
          <DecisionButtons />
        </form>
      </section>
    </Layout>
  );
}
