import type { FastifyInstance } from 'fastify';
import { describeScopes } from '../oauth/consent-scopes.js';
import { revokeConsent } from '../oauth/consent-grants.js';
import type { Kardia } from '../server/context.js';
import { dashboardAction, dashboardPage, doneRedirect, noticeOf } from './dashboard-context.js';
import { PageError } from './page-error.js';
import { sendPage } from './page-rendering.js';
import { AppsPage, type ConnectedApp } from './views/apps-page.js';

const NOTICES = {
  revoked: 'Done. The app can no longer use your record; its tokens stopped working.',
};

/** The owner's live OAuth grants, each with the client it went to (AS tables only). */
export async function connectedApps(kardia: Kardia, sub: string): Promise<ConnectedApp[]> {
  const rows = await kardia.store.db
    .selectFrom('consent_grants')
    .innerJoin('clients', 'clients.client_id', 'consent_grants.client_id')
    .select([
      'consent_grants.id',
      'consent_grants.scope',
      'consent_grants.created_at',
      'consent_grants.last_used_at',
      'clients.client_id',
      'clients.client_name',
      'clients.registration',
      'clients.software_statement_issuer',
    ])
    .where('consent_grants.sub', '=', sub)
    .where('consent_grants.revoked_at', 'is', null)
    .orderBy('consent_grants.created_at', 'desc')
    .execute();
  return rows.map((row) => ({
    grantId: row.id,
    clientId: row.client_id,
    name: row.client_name ?? 'An unnamed app',
    registration: row.registration === 'static' ? 'static' : 'dynamic',
    softwareStatementIssuer: row.software_statement_issuer,
    scopes: describeScopes(row.scope.split(' ').filter(Boolean)),
    since: row.created_at,
    lastUsed: row.last_used_at,
  }));
}

/** Connected apps: every OAuth grant, and revoking one in one click (HEART OAuth §3.1.4). */
export function registerApps(app: FastifyInstance, kardia: Kardia): void {
  app.get(
    '/account/apps',
    dashboardPage(kardia, async (dashboard, request, reply) => {
      const apps = await connectedApps(kardia, dashboard.user.sub);
      const notice = noticeOf(request, NOTICES);
      return sendPage(reply, AppsPage({ dashboard, apps, notice }));
    }),
  );

  app.post(
    '/account/apps/revoke',
    dashboardAction(kardia, async (dashboard, form, request, reply) => {
      const grant = form.grant ?? '';
      // Only the owner's own live grant can be revoked: another's id, or one already revoked
      // (a second click), finds nothing and changes nothing.
      const revoked =
        grant.length <= 64 && (await revokeConsent(kardia, dashboard.user.sub, grant));
      if (!revoked) {
        throw new PageError(
          404,
          'There is nothing to revoke',
          'This app has no access to end: it may have been revoked already. Nothing was changed.',
          { detail: 'grant not found, not the owner’s, or already revoked' },
        );
      }
      request.log.info({ event: 'grant_revoked', sub: dashboard.user.sub }, 'app access revoked');
      return doneRedirect(reply, dashboard, '/account/apps', 'revoked');
    }),
  );
}
