import type { Dashboard } from '../dashboard-context.js';
import type { UmaAccessRequest } from '../sharing/owner-api.js';
import { type SharablePart, sensitiveWords } from '../sharing/record-resources.js';
import { Csrf, DashboardFrame } from './dashboard-frame.js';
import { Moment } from './moment.js';

export interface RequestsPageProps {
  dashboard: Dashboard;
  pending: UmaAccessRequest[];
  parts: SharablePart[];
  /** Requesting parties with an account here, by `sub`. */
  people: Map<string, string>;
  notice?: string | undefined;
}

export const requestResourceField = (id: string) => `res_${id}`;
export const requestScopeField = (scope: string) => `scope_${scope.replace('/', '_')}`;

const SCOPE_WORDS: Record<string, string> = {
  read: 'read',
  write: 'add and change',
  btg: 'emergency access (break the glass)',
};
const scopeWords = (scope: string) => SCOPE_WORDS[scope] ?? `include ${sensitiveWords(scope)}`;

function whoAsks(request: UmaAccessRequest, people: Map<string, string>): string {
  const local = people.get(request.requesting_party?.sub ?? '');
  if (local) return local;
  const claims = request.requesting_party?.claims ?? {};
  const name = claims.name;
  const email = claims.email;
  if (name && email) return `${name} (${email})`;
  return name ?? email ?? 'Someone who did not say who they are';
}

/** Pending requests: who, which app, what; approve all or part of it, or deny. */
export function RequestsPage({ dashboard, pending, parts, people, notice }: RequestsPageProps) {
  const partName = (id: string) => parts.find((p) => p.id === id)?.label ?? 'a part of your record';
  return (
    <DashboardFrame
      dashboard={dashboard}
      section="requests"
      title="Access requests"
      notice={notice}
    >
      {pending.length === 0 ? (
        <p class="card">No one is waiting for your answer.</p>
      ) : (
        <ul class="items">
          {pending.map((request) => {
            const scopes = [...new Set(request.permissions.flatMap((p) => p.resource_scopes))];
            return (
              <li key={request.id} class="card item" data-request={request.id}>
                <h2>{whoAsks(request, people)} asks to see your record</h2>
                <p
                  class="registration"
                  data-registration={request.client.registration ?? 'dynamic'}
                >
                  Through the app <strong>{request.client.client_name ?? 'an unnamed app'}</strong>,
                  which{' '}
                  {request.client.registration === 'static'
                    ? 'an administrator of this server registered.'
                    : 'registered itself; no administrator checked it.'}
                </p>
                {request.created_at ? (
                  <p class="muted">
                    Asked <Moment seconds={request.created_at} />.
                  </p>
                ) : null}
                <form method="post" action={dashboard.path('/account/requests/decide')}>
                  <Csrf dashboard={dashboard} />
                  <input type="hidden" name="request" value={request.id} />
                  <fieldset>
                    <legend>Parts asked for</legend>
                    {request.permissions.map((p) => (
                      <label key={p.resource_id}>
                        <input type="checkbox" name={requestResourceField(p.resource_id)} checked />
                        {partName(p.resource_id)}
                      </label>
                    ))}
                  </fieldset>
                  <fieldset>
                    <legend>To do</legend>
                    {scopes.map((scope) => (
                      <label key={scope}>
                        <input type="checkbox" name={requestScopeField(scope)} checked />
                        {scopeWords(scope)}
                      </label>
                    ))}
                  </fieldset>
                  <label for={`until-${request.id}`}>Until (optional)</label>
                  <input id={`until-${request.id}`} name="until" type="date" />
                  <p class="muted">Untick anything to approve only part of the request.</p>
                  <div class="actions">
                    <button type="submit" name="decision" value="allow" class="primary">
                      Approve what is ticked
                    </button>
                    <button type="submit" name="decision" value="deny">
                      Deny
                    </button>
                  </div>
                </form>
              </li>
            );
          })}
        </ul>
      )}
    </DashboardFrame>
  );
}
