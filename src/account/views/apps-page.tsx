import type { ScopeDescription } from '../../oauth/consent-scopes.js';
import type { Dashboard } from '../dashboard-context.js';
import { Csrf, DashboardFrame } from './dashboard-frame.js';
import { Moment } from './moment.js';

export interface ConnectedApp {
  grantId: string;
  clientId: string;
  name: string;
  registration: 'dynamic' | 'static';
  softwareStatementIssuer: string | null;
  scopes: ScopeDescription[];
  since: number;
  lastUsed: number | null;
}

export interface AppsPageProps {
  dashboard: Dashboard;
  apps: ConnectedApp[];
  notice?: string | undefined;
}

/** Connected apps: what each may do in words, how it registered, when it was last used. */
export function AppsPage({ dashboard, apps, notice }: AppsPageProps) {
  return (
    <DashboardFrame dashboard={dashboard} section="apps" title="Connected apps" notice={notice}>
      {apps.length === 0 ? (
        <p class="card">No app has access to your account.</p>
      ) : (
        <ul class="items">
          {apps.map((app) => (
            <li key={app.grantId} class="card item" data-grant={app.grantId}>
              <h2>{app.name}</h2>
              <p class="registration" data-registration={app.registration}>
                {app.registration === 'dynamic'
                  ? 'Registered itself with Kardia; no administrator checked it.'
                  : 'Registered by an administrator of this server.'}
                {app.softwareStatementIssuer
                  ? ` Vouched for by ${app.softwareStatementIssuer}.`
                  : null}
              </p>
              <p class="muted">It may:</p>
              <ul class="scopes">
                {app.scopes.map((scope) => (
                  <li key={scope.scope} data-scope={scope.scope}>
                    {scope.text}
                  </li>
                ))}
              </ul>
              <p class="muted">
                Allowed <Moment seconds={app.since} />. Last used{' '}
                {app.lastUsed ? <Moment seconds={app.lastUsed} /> : 'never'}.
              </p>
              <form method="post" action={dashboard.path('/account/apps/revoke')}>
                <Csrf dashboard={dashboard} />
                <input type="hidden" name="grant" value={app.grantId} />
                <button type="submit" class="danger">
                  Revoke {app.name}
                </button>
              </form>
            </li>
          ))}
        </ul>
      )}
    </DashboardFrame>
  );
}
