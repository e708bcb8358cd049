import type { Dashboard } from '../dashboard-context.js';
import type { UmaPolicy } from '../sharing/owner-api.js';
import { type SharablePart, sensitiveWords } from '../sharing/record-resources.js';
import { Csrf, DashboardFrame } from './dashboard-frame.js';
import { Moment } from './moment.js';

export interface SharesPageProps {
  dashboard: Dashboard;
  policies: UmaPolicy[];
  parts: SharablePart[];
  lastUse: Map<string, number>;
  /** Display names of people named by `sub`. */
  people: Map<string, string>;
  /** This server's issuer: a share bound to one of its accounts is named by that account. */
  issuer: string;
  notice?: string | undefined;
}

function whom(policy: UmaPolicy, people: Map<string, string>): string {
  const claims = policy.required_claims;
  if (claims.length === 0) return 'everyone';
  return claims
    .map((claim) =>
      claim.name === 'email'
        ? (claim.value ?? 'anyone with a confirmed email address')
        : claim.name === 'sub' && claim.value
          ? (people.get(claim.value) ?? 'a person signed in elsewhere')
          : `${claim.name} ${claim.value ?? '(any)'}`,
    )
    .join(' and ');
}

function boundName(bound: { iss: string; sub: string }, props: SharesPageProps): string {
  const here = bound.iss === props.issuer ? props.people.get(bound.sub) : undefined;
  return here ? `${here}'s account here` : `an account at ${hostOf(bound.iss)}`;
}

const hostOf = (url: string) => (URL.canParse(url) ? new URL(url).host : url);

/** The heading of a share, by what it does when it applies. */
const HEADINGS: Record<UmaPolicy['mode'], (who: string) => string> = {
  grant: (who) => `Shared with ${who}`,
  ask: (who) => `${who} may ask; you decide each time`,
  deny: (who) => `Blocked for ${who}`,
};

/** Every share: with whom, what, since and until when, last used; change or revoke. */
export function SharesPage(props: SharesPageProps) {
  const { dashboard, policies, parts } = props;
  const partName = (id: string) =>
    parts.find((part) => part.id === id)?.label ?? 'a part since removed';
  const maxDay = new Date(Date.now() + 5 * 365 * 86_400_000).toISOString().slice(0, 10);
  return (
    <DashboardFrame dashboard={dashboard} section="shares" title="Shares" notice={props.notice}>
      {policies.length === 0 ? (
        <p class="card">
          You share nothing yet. <a href={dashboard.path('/account/share')}>Share your record</a>
        </p>
      ) : (
        <ul class="items">
          {policies.map((policy) => {
            const write = policy.resource_scopes.includes('write');
            const sensitive = policy.resource_scopes.filter(
              (s) => s.startsWith('conf/') || s.startsWith('sens/'),
            );
            const used = props.lastUse.get(policy.id);
            const until = policy.exp ? new Date(policy.exp * 1000).toISOString().slice(0, 10) : '';
            return (
              <li key={policy.id} class="card item" data-share={policy.id} data-mode={policy.mode}>
                <h2>{HEADINGS[policy.mode](whom(policy, props.people))}</h2>
                <p>
                  {policy.resource_ids.map(partName).join(', ')}
                  {sensitive.length > 0
                    ? `, including ${sensitive.map(sensitiveWords).join(', ')}`
                    : ', without sensitive information'}
                  . {write ? 'Read, add and change.' : 'Read only.'}
                </p>
                <p class="muted">
                  Since <Moment seconds={policy.created_at} />.{' '}
                  {policy.exp ? (
                    <>
                      Until <Moment seconds={policy.exp} />.
                    </>
                  ) : (
                    'No end date.'
                  )}{' '}
                  Last used {used ? <Moment ms={used} /> : 'never'}.
                </p>
                {policy.bound_to ? (
                  <p class="muted" data-bound="">
                    First used by {boundName(policy.bound_to, props)}; only that account can use it
                    now, whoever holds the address later.
                  </p>
                ) : null}
                <div class="actions">
                  <form method="post" action={dashboard.path('/account/shares/revoke')}>
                    <Csrf dashboard={dashboard} />
                    <input type="hidden" name="share" value={policy.id} />
                    <button type="submit" class="danger">
                      Revoke
                    </button>
                  </form>
                </div>
                <details>
                  <summary>Change what they may do, or until when</summary>
                  <form method="post" action={dashboard.path('/account/shares/change')} class="row">
                    <Csrf dashboard={dashboard} />
                    <input type="hidden" name="share" value={policy.id} />
                    <div class="field">
                      <label for={`access-${policy.id}`}>Access</label>
                      <select id={`access-${policy.id}`} name="access">
                        <option value="read" selected={!write}>
                          Read only
                        </option>
                        <option value="write" selected={write}>
                          Read, add and change
                        </option>
                      </select>
                    </div>
                    <div class="field">
                      <label for={`until-${policy.id}`}>Until</label>
                      <input
                        id={`until-${policy.id}`}
                        name="until"
                        type="date"
                        value={until}
                        required
                        max={maxDay}
                      />
                    </div>
                    <button type="submit">Save</button>
                  </form>
                </details>
              </li>
            );
          })}
        </ul>
      )}
    </DashboardFrame>
  );
}
