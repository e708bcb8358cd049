import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../server/context.js';
import { dashboardAction, dashboardPage, doneRedirect, noticeOf } from './dashboard-context.js';
import { PageError } from './page-error.js';
import { sendPage } from './page-rendering.js';
import { refusedShare, sharingChoices } from './share.js';
import { ownerApi, type UmaPolicy } from './sharing/owner-api.js';
import { MAX_SHARE_DAYS, shareExp } from './sharing/share-form.js';
import { lastUseOfShares } from './sharing/share-use.js';
import { SharesPage } from './views/shares-page.js';

const NOTICES = {
  shared: 'Shared. The person can look as soon as they sign in with that address.',
  revoked: 'Revoked. The person can no longer see anything through this share, from now on.',
  changed: 'Saved. Anything the change takes away stopped working at once.',
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const POLICY_ID = /^[\w-]{1,200}$/;

/**
 * Shares: every policy with whom, what, since and until when, and when it was last used; change
 * the access or the end date, or revoke, in one click. Both go through the UMA owner API, which
 * revokes at once every token a narrowed or deleted policy justified (heart-uma2.md Part 3.9).
 */
export function registerShares(app: FastifyInstance, kardia: Kardia): void {
  app.get(
    '/account/shares',
    dashboardPage(kardia, async (dashboard, request, reply) => {
      const api = ownerApi(kardia, request, dashboard);
      const [policies, { parts }, lastUse] = await Promise.all([
        api.policies(),
        sharingChoices(api),
        lastUseOfShares(kardia, dashboard.user.sub),
      ]);
      const people = await peopleOf(kardia, policies);
      const page = SharesPage({
        dashboard,
        policies,
        parts,
        lastUse,
        people,
        issuer: kardia.urls.issuer,
        notice: noticeOf(request, NOTICES),
      });
      return sendPage(reply, page);
    }),
  );

  app.post(
    '/account/shares/revoke',
    dashboardAction(kardia, async (dashboard, form, request, reply) => {
      const id = checkedId(form.share);
      try {
        await ownerApi(kardia, request, dashboard).deletePolicy(id);
      } catch (error) {
        throw refusedShare(error);
      }
      request.log.info({ event: 'share_revoked', sub: dashboard.user.sub }, 'share revoked');
      return doneRedirect(reply, dashboard, '/account/shares', 'revoked');
    }),
  );

  app.post(
    '/account/shares/change',
    dashboardAction(kardia, async (dashboard, form, request, reply) => {
      const id = checkedId(form.share);
      const api = ownerApi(kardia, request, dashboard);
      const current = (await api.policies()).find((policy) => policy.id === id);
      if (!current) throw refusedShare(notYours());
      const changed = applyChange(current, form);
      try {
        await api.replacePolicy(id, changed);
      } catch (error) {
        throw refusedShare(error);
      }
      request.log.info({ event: 'share_changed', sub: dashboard.user.sub }, 'share changed');
      return doneRedirect(reply, dashboard, '/account/shares', 'changed');
    }),
  );
}

function checkedId(value: string | undefined): string {
  if (!value || !POLICY_ID.test(value)) throw refusedShare(notYours());
  return value;
}

const notYours = () =>
  new PageError(
    404,
    'Not found',
    'This share does not exist, or is not yours. Nothing was changed.',
  );

/** The new access level and end date; every other part of the share stays as it was. */
function applyChange(policy: UmaPolicy, form: Record<string, string>) {
  const special = policy.resource_scopes.filter((s) => s !== 'read' && s !== 'write');
  if (form.access !== 'read' && form.access !== 'write') {
    throw new PageError(400, 'Not saved', 'Please choose read only, or read and change.');
  }
  const until = form.until ?? '';
  const exp = DAY.test(until) ? shareExp(until) : Number.NaN;
  const now = Date.now() / 1000;
  if (Number.isNaN(exp) || exp <= now || exp - now > MAX_SHARE_DAYS * 86_400) {
    throw new PageError(
      400,
      'Not saved',
      'The last day must be a date like 2026-12-31, from today up to five years ahead.',
    );
  }
  const { id: _id, created_at: _c, updated_at: _u, ...rest } = policy;
  void [_id, _c, _u];
  return {
    ...rest,
    resource_scopes: [...(form.access === 'write' ? ['read', 'write'] : ['read']), ...special],
    exp,
  };
}

/** Names for the people a share names by `sub` at this server (approved requests). */
/** Names of the people policies name by `sub`, or are bound to at this server (binding.ts). */
async function peopleOf(kardia: Kardia, policies: UmaPolicy[]): Promise<Map<string, string>> {
  const subs = [
    ...policies
      .flatMap((policy) => policy.required_claims)
      .filter((claim) => claim.name === 'sub' && claim.value)
      .map((claim) => claim.value as string),
    ...policies
      .filter((policy) => policy.bound_to?.iss === kardia.urls.issuer)
      .map((policy) => policy.bound_to?.sub as string),
  ];
  if (subs.length === 0) return new Map();
  const rows = await kardia.store.db
    .selectFrom('users')
    .select(['sub', 'name', 'username', 'email'])
    .where('sub', 'in', [...new Set(subs)].slice(0, 500))
    .execute();
  return new Map(rows.map((row) => [row.sub, row.name ?? row.email ?? row.username]));
}
