import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kardia } from '../server/context.js';
import type { UserTable } from '../store/tables.js';
import { stylesheetPath } from './assets.js';
import { CSRF_FIELD, checkSessionCsrf, sessionCsrfToken } from './csrf.js';
import { formBody } from './form-body.js';
import { loginRedirect } from './login.js';
import { htmxPath } from './assets.js';
import { pagePath } from './paths.js';
import { safeReturnPath } from './return-to.js';
import { currentSession, type LoginSession } from './session.js';
import { findUserBySub } from './users.js';

/** What every dashboard page is built from: who is signed in, and the page furniture. */
export interface Dashboard {
  session: LoginSession;
  user: UserTable;
  displayName: string;
  csrfToken: string;
  stylesheet: string;
  htmx: string;
  /** `path` under the issuer, as the browser sees it. */
  path(path: string): string;
}

async function dashboardOf(
  kardia: Kardia,
  request: FastifyRequest,
): Promise<Dashboard | undefined> {
  const session = await currentSession(kardia, request);
  const user = session ? await findUserBySub(kardia, session.sub) : undefined;
  if (!session || !user) return undefined;
  return {
    session,
    user,
    displayName: user.name ?? user.username,
    csrfToken: await sessionCsrfToken(kardia, session),
    stylesheet: stylesheetPath(kardia),
    htmx: htmxPath(kardia),
    path: (path) => pagePath(kardia, path),
  };
}

type PageHandler = (
  dashboard: Dashboard,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply>;

type ActionHandler = (
  dashboard: Dashboard,
  form: Record<string, string>,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply>;

/** A dashboard page: signed-in owners only; anyone else is sent to sign in and back. */
export function dashboardPage(kardia: Kardia, handler: PageHandler) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const dashboard = await dashboardOf(kardia, request);
    if (!dashboard) {
      const back = safeReturnPath(kardia, request.url);
      return reply.redirect(loginRedirect(kardia, back), 303);
    }
    return handler(dashboard, request, reply);
  };
}

/**
 * A dashboard form post. The one place that checks it: a form-encoded body, each field once, a
 * signed-in owner, and the session's CSRF token, all before the handler can change anything.
 * Without a session the browser is sent to sign in and nothing happens.
 */
export function dashboardAction(kardia: Kardia, handler: ActionHandler) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const form = formBody(request);
    const dashboard = await dashboardOf(kardia, request);
    if (!dashboard) return reply.redirect(loginRedirect(kardia, pagePath(kardia, '/account')), 303);
    await checkSessionCsrf(kardia, dashboard.session, form[CSRF_FIELD]);
    return handler(dashboard, form, request, reply);
  };
}

/** After a change: back to a page with a fixed notice code (never text from the request). */
export function doneRedirect(
  reply: FastifyReply,
  dashboard: Dashboard,
  path: string,
  notice: string,
): FastifyReply {
  const separator = path.includes('?') ? '&' : '?';
  return reply
    .header('cache-control', 'no-store')
    .redirect(`${dashboard.path(path)}${separator}done=${notice}`, 303);
}

/** The notice code of a page's query, when it names one of `known`. */
export function noticeOf(
  request: FastifyRequest,
  known: Record<string, string>,
): string | undefined {
  const done = (request.query as Record<string, unknown>).done;
  return typeof done === 'string' && Object.hasOwn(known, done) ? known[done] : undefined;
}
