import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stylesheetPath } from '../account/assets.js';
import { checkSessionCsrf, CSRF_FIELD, sessionCsrfToken } from '../account/csrf.js';
import { PageError } from '../account/page-error.js';
import { installPageErrorHandling, sendPage } from '../account/page-rendering.js';
import { pagePath } from '../account/paths.js';
import { currentSession, endSession } from '../account/session.js';
import { type Client, findClient } from '../oauth/clients.js';
import type { Kardia } from '../server/context.js';
import { oauthParams } from '../server/forms.js';
import { type IdTokenHint, readIdTokenHint } from './id-token-hint.js';
import { subjectFor } from './pairwise.js';
import { LogoutDonePage, LogoutPage } from './views/logout-page.js';

const badLogout = (text: string, detail?: string) =>
  new PageError(400, 'This sign-out request cannot be completed', text, detail ? { detail } : {});

/**
 * RP-Initiated Logout 1.0 at `end_session_endpoint`: ends the browser's session and returns to a
 * `post_logout_redirect_uri` only when the client registered it, exactly (never an open
 * redirector). A request with an `id_token_hint` for the signed-in person signs out at once;
 * anything else asks the person first.
 */
export function registerLogout(app: FastifyInstance, kardia: Kardia): void {
  void app.register(async (scope) => {
    installPageErrorHandling(scope, kardia);
    scope.get('/logout', async (request, reply) => handle(kardia, request, reply, 'ask'));
    scope.post('/logout', async (request, reply) => handle(kardia, request, reply, 'answer'));
  });
}

async function handle(
  kardia: Kardia,
  request: FastifyRequest,
  reply: FastifyReply,
  mode: 'ask' | 'answer',
): Promise<FastifyReply> {
  const params = oauthParams(mode === 'ask' ? request.query : request.body);
  const hint = params.id_token_hint ? await readHint(kardia, params.id_token_hint) : undefined;
  const clientId = params.client_id ?? hint?.clientId;
  if (params.client_id && hint && hint.clientId !== params.client_id) {
    throw badLogout('The sign-out request names two different applications.');
  }
  const client = clientId ? await findClient(kardia, clientId) : undefined;
  if (clientId && !client) throw badLogout('The application is not known here.');
  const target = returnTarget(client, params);

  const session = await currentSession(kardia, request);
  let signedOut = !session;
  if (session && hint && client && (await subjectFor(kardia, client, session.sub)) === hint.sub) {
    await endSession(kardia, request, reply);
    signedOut = true;
  } else if (session && mode === 'ask') {
    const page = LogoutPage({
      stylesheet: stylesheetPath(kardia),
      action: pagePath(kardia, '/logout'),
      csrfToken: await sessionCsrfToken(kardia, session),
      clientName: client?.name ?? undefined,
      hidden: pick(params, ['client_id', 'post_logout_redirect_uri', 'state']),
    });
    return sendPage(reply, page);
  } else if (session) {
    await checkSessionCsrf(kardia, session, params[CSRF_FIELD]);
    if (params.decision === 'allow') {
      await endSession(kardia, request, reply);
      signedOut = true;
    }
  }
  request.log.info({ event: 'logout', signedOut }, 'end of session requested');
  if (target) return reply.header('cache-control', 'no-store').redirect(target, 303);
  return sendPage(reply, LogoutDonePage({ stylesheet: stylesheetPath(kardia), signedOut }));
}

/** RP-Initiated Logout §3: the URI must be one the client registered, compared exactly. */
function returnTarget(client: Client | undefined, params: Record<string, string>) {
  const uri = params.post_logout_redirect_uri;
  if (!uri) return undefined;
  if (!client) throw badLogout('A return address needs client_id or id_token_hint.');
  const registered = client.metadata.post_logout_redirect_uris;
  if (!Array.isArray(registered) || !registered.includes(uri)) {
    throw badLogout('The return address is not registered for this application.');
  }
  if (!params.state) return uri;
  const url = new URL(uri);
  url.searchParams.append('state', params.state);
  return url.toString();
}

async function readHint(kardia: Kardia, token: string): Promise<IdTokenHint> {
  const hint = await readIdTokenHint(kardia, token);
  if (!hint) throw badLogout('The ID token hint is not one this server issued.');
  return hint;
}

function pick(params: Record<string, string>, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) if (params[name]) out[name] = params[name];
  return out;
}
