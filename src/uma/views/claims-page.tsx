import { DecisionButtons } from '../../account/views/fields.js';
import { Layout } from '../../account/views/layout.js';

export interface ClaimsPageProps {
  stylesheet: string;
  action: string;
  csrfToken: string;
  signedInAs: string;
  clientName: string;
  clientId: string;
  /** HEART OAuth §3.1.3 (HU-41): whether the client registered itself or an administrator did. */
  registration: 'dynamic' | 'static';
  /** Whose records the client asks for, and which. */
  ownerName: string;
  resources: string[];
  /** The claims Kardia will use for the owner's policies, in words. */
  claims: { name: string; value: string }[];
}

/**
 * Interactive claims gathering (G§3.3.2, HU-28, HU-41): the requesting party sees which client
 * asks, for whose records, and which of their claims Kardia will weigh against the owner's
 * policies; they may let Kardia remember them for this client (a PCT, Part 3.5, UMA-PCT-5), and
 * answer with buttons `name="decision"`, `allow` or `deny` (DESIGN.md).
 */
export function ClaimsPage(props: ClaimsPageProps) {
  return (
    <Layout title="Confirm who you are" stylesheet={props.stylesheet} signedInAs={props.signedInAs}>
      <section class="card" aria-labelledby="claims-title">
        <h1 id="claims-title">
          {props.clientName} asks for access to records of {props.ownerName}
        </h1>
        <div class="client" data-registration={props.registration} data-client-id={props.clientId}>
          <p>
            <strong>{props.clientName}</strong>
          </p>
          <p class="registration">
            {props.registration === 'dynamic'
              ? 'This application registered itself with Kardia. No administrator has checked it.'
              : 'This application was registered by an administrator of this server.'}
          </p>
        </div>
        <h2>It asks for</h2>
        <ul class="resources">
          {props.resources.map((name) => (
            <li key={name}>{name}</li>
          ))}
        </ul>
        <h2>Kardia will tell {props.ownerName}'s sharing rules who you are</h2>
        <ul class="claims">
          {props.claims.map((claim) => (
            <li key={claim.name} data-claim={claim.name}>
              {claim.name}: <strong>{claim.value}</strong>
            </li>
          ))}
        </ul>
        <p>Nothing of this is sent to the application; it only learns whether access is given.</p>
        <form method="post" action={props.action}>
          <input type="hidden" name="csrf_token" value={props.csrfToken} />
          <label class="remember">
            <input type="checkbox" name="remember" value="1" /> Remember me for this app for a day,
            so it need not ask again
          </label>
          <DecisionButtons />
        </form>
      </section>
    </Layout>
  );
}
