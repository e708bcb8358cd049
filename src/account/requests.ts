import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../server/context.js';
import { dashboardAction, dashboardPage, doneRedirect, noticeOf } from './dashboard-context.js';
import { PageError } from './page-error.js';
import { sendPage } from './page-rendering.js';
import { refusedShare, sharingChoices } from './share.js';
import { ownerApi, OwnerApiError, type UmaAccessRequest } from './sharing/owner-api.js';
import { shareExp } from './sharing/share-form.js';
import { RequestsPage, requestResourceField, requestScopeField } from './views/requests-page.js';

const NOTICES = {
  allowed: 'Approved. The app gets what you allowed the next time it asks.',
  denied: 'Denied. The app is told no; nothing was shared.',
};

/** Requesting parties who are accounts here: their name and address, from this AS's own users. */
async function localPeople(kardia: Kardia, pending: UmaAccessRequest[]) {
  const subs = pending
    .filter((r) => r.requesting_party?.iss === kardia.urls.issuer && r.requesting_party.sub)
    .map((r) => r.requesting_party?.sub ?? '');
  if (subs.length === 0) return new Map<string, string>();
  const rows = await kardia.store.db
    .selectFrom('users')
    .select(['sub', 'name', 'username', 'email'])
    .where('sub', 'in', [...new Set(subs)].slice(0, 500))
    .execute();
  const described = (row: (typeof rows)[number]) => {
    const name = row.name ?? row.username;
    return row.email ? `${name} (${row.email})` : name;
  };
  return new Map(rows.map((row) => [row.sub, described(row)]));
}

const REQUEST_ID = /^[\w-]{1,200}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Access requests (heart-uma2.md Part 3.8): who asks, through which app, for what; approve
 * fully or in part (untick resources or kinds of access), optionally until a day, or deny. The
 * buttons are `name="decision"` with `allow` or `deny` (DESIGN.md), settled by the owner API.
 */
export function registerRequests(app: FastifyInstance, kardia: Kardia): void {
  app.get(
    '/account/requests',
    dashboardPage(kardia, async (dashboard, request, reply) => {
      const api = ownerApi(kardia, request, dashboard);
      const [pending, { parts }] = await Promise.all([
        api.requests('pending'),
        sharingChoices(api),
      ]);
      const notice = noticeOf(request, NOTICES);
      const people = await localPeople(kardia, pending);
      return sendPage(reply, RequestsPage({ dashboard, pending, parts, people, notice }));
    }),
  );

  app.post(
    '/account/requests/decide',
    dashboardAction(kardia, async (dashboard, form, request, reply) => {
      const id = form.request ?? '';
      const decision = form.decision;
      if (!REQUEST_ID.test(id) || (decision !== 'allow' && decision !== 'deny')) {
        throw new PageError(400, 'Not saved', 'Please choose Approve or Deny on a request.');
      }
      const api = ownerApi(kardia, request, dashboard);
      const found = (await api.requests('pending')).find((r) => r.id === id);
      if (!found) {
        throw new PageError(
          404,
          'Already settled',
          'This request is no longer waiting: it was settled already, or is not yours. Nothing was changed.',
        );
      }
      const body: Record<string, unknown> = { decision };
      if (decision === 'allow') {
        const ids = found.permissions.map((p) => p.resource_id);
        const scopes = [...new Set(found.permissions.flatMap((p) => p.resource_scopes))];
        const keptIds = ids.filter((rid) => form[requestResourceField(rid)] === 'on');
        const keptScopes = scopes.filter((s) => form[requestScopeField(s)] === 'on');
        if (keptIds.length === 0 || keptScopes.length === 0) {
          throw new PageError(
            400,
            'Nothing to approve',
            'You unticked everything. To refuse the request, choose Deny.',
          );
        }
        if (keptIds.length < ids.length) body.resource_ids = keptIds;
        if (keptScopes.length < scopes.length) body.resource_scopes = keptScopes;
        const until = form.until ?? '';
        if (until) {
          if (
            !DAY.test(until) ||
            Number.isNaN(shareExp(until)) ||
            shareExp(until) <= Date.now() / 1000
          ) {
            throw new PageError(
              400,
              'Not saved',
              'The last day must be a date from today on, like 2026-12-31.',
            );
          }
          body.exp = shareExp(until);
        }
      }
      try {
        await api.settleRequest(id, body);
      } catch (error) {
        if (error instanceof OwnerApiError && error.status === 400) {
          throw new PageError(
            400,
            'Not saved',
            'This request could not be settled that way. Nothing was changed.',
            {
              detail: `owner API: ${error.code}`,
            },
          );
        }
        throw refusedShare(error);
      }
      request.log.info({ event: 'request_settled', sub: dashboard.user.sub, decision }, 'settled');
      return doneRedirect(
        reply,
        dashboard,
        '/account/requests',
        decision === 'allow' ? 'allowed' : 'denied',
      );
    }),
  );
}
