import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stylesheetPath } from '../../account/assets.js';
import { CSRF_FIELD, checkSessionCsrf, sessionCsrfToken } from '../../account/csrf.js';
import { formBody } from '../../account/form-body.js';
import { loginRedirect } from '../../account/login.js';
import { PageError } from '../../account/page-error.js';
import { installPageErrorHandling, sendPage } from '../../account/page-rendering.js';
import { pagePath } from '../../account/paths.js';
import { currentSession } from '../../account/session.js';
import { findUserBySub } from '../../account/users.js';
import { redirectLocation } from '../../oauth/authorize/redirect.js';
import { OAuthError } from '../../oauth/errors.js';
import type { Kardia } from '../../server/context.js';
import { oauthParams } from '../../server/forms.js';
import { findResource } from '../resources/resource-store.js';
import { continueTicket, findTicketByHash, spendTicket } from '../tickets/tickets.js';
import { UMA_PATHS } from '../urls.js';
import { ClaimsPage } from '../views/claims-page.js';
import { claimsRedirectUri, interactionClient } from './claims-redirect.js';
import {
  finishInteraction,
  findInteraction,
  type Interaction,
  startInteraction,
} from './interactions.js';
import { partyOfUser } from './requesting-party.js';

const expired = () =>
  new PageError(400, 'This request has expired', 'Go back to the application and try again.', {
    detail: 'unknown, finished or expired claims interaction',
  });

/**
 * The claims interaction endpoint (G§3.3.2, G§3.3.3, UMA-CG, HU-28, HU-29). The requesting
 * party's browser arrives with `client_id`, `ticket`, `claims_redirect_uri` and `state`; the
 * ticket is spent at once (UMA-CG-6) and the visit continues on a page of its own, through
 * Kardia's login, to a decision form protected by the session's CSRF token (UMA-CG-7). `allow`
 * returns the browser with a new ticket standing for the gathered claims; nothing gathered goes
 * into the redirect (UMA-CG-4).
 */
export async function registerClaimsInteraction(
  app: FastifyInstance,
  kardia: Kardia,
): Promise<void> {
  await app.register(async (scope) => {
    installPageErrorHandling(scope, kardia);
    scope.get(UMA_PATHS.claimsInteraction, (request, reply) => arrive(kardia, request, reply));
    const page = `${UMA_PATHS.claimsInteraction}/interaction/:handle`;
    scope.get(page, (request, reply) => show(kardia, request, reply));
    scope.post(page, (request, reply) => decide(kardia, request, reply));
  });
}

async function arrive(kardia: Kardia, request: FastifyRequest, reply: FastifyReply) {
  const params = oauthParams(request.query);
  const client = await interactionClient(kardia, params.client_id);
  const uri = claimsRedirectUri(client, params.claims_redirect_uri);
  const state = params.state;

  // From here the redirect URI is trusted: failures go back to it (UMA-CG-5).
  if (!params.ticket) return back(reply, uri, { error: 'invalid_request', state });
  let ticketHash: string;
  try {
    ticketHash = (await spendTicket(kardia, params.ticket, client.clientId)).hash;
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    request.log.info({ event: 'uma_claims_ticket_refused', detail: error.message }, 'refused');
    return back(reply, uri, {
      error: 'invalid_request',
      error_description: error.description,
      state,
    });
  }
  const interaction = { ticketHash, clientId: client.clientId, claimsRedirectUri: uri, state };
  const handle = await startInteraction(kardia, interaction);
  return reply.header('cache-control', 'no-store').redirect(interactionPath(kardia, handle), 303);
}

async function show(kardia: Kardia, request: FastifyRequest, reply: FastifyReply) {
  const { handle } = request.params as { handle: string };
  const interaction = await findInteraction(kardia, handle);
  if (!interaction) throw expired();
  const session = await currentSession(kardia, request);
  const user = session ? await findUserBySub(kardia, session.sub) : undefined;
  if (!session || !user) {
    const login = loginRedirect(kardia, interactionPath(kardia, handle));
    return reply.header('cache-control', 'no-store').redirect(login, 303);
  }
  const client = await interactionClient(kardia, interaction.clientId);
  const party = partyOfUser(kardia, user);
  const { ownerName, resources } = await whatIsAsked(kardia, interaction);
  const page = ClaimsPage({
    stylesheet: stylesheetPath(kardia),
    action: interactionPath(kardia, handle),
    csrfToken: await sessionCsrfToken(kardia, session),
    signedInAs: user.name ?? user.username,
    clientName: client.name ?? client.clientId,
    clientId: client.clientId,
    registration: client.registration,
    ownerName,
    resources,
    claims: Object.entries(party.claims).map(([name, value]) => ({ name, value })),
  });
  return sendPage(reply, page);
}

async function decide(kardia: Kardia, request: FastifyRequest, reply: FastifyReply) {
  const { handle } = request.params as { handle: string };
  const form = formBody(request);
  const interaction = await findInteraction(kardia, handle);
  if (!interaction) throw expired();
  const session = await currentSession(kardia, request);
  const user = session ? await findUserBySub(kardia, session.sub) : undefined;
  if (!session || !user) throw new PageError(403, 'Please sign in', 'Sign in and try again.');
  await checkSessionCsrf(kardia, session, form[CSRF_FIELD]);
  if (form.decision !== 'allow' && form.decision !== 'deny') {
    throw new PageError(400, 'No choice was made', 'Choose Allow or Deny.');
  }
  if (!(await finishInteraction(kardia, handle))) throw expired();

  const { claimsRedirectUri: uri, state } = interaction;
  if (form.decision === 'deny') {
    request.log.info({ event: 'uma_claims_denied', client_id: interaction.clientId }, 'denied');
    return back(reply, uri, { error: 'access_denied', state });
  }
  const spent = await findTicketByHash(kardia, interaction.ticketHash);
  if (!spent) throw expired();
  const ticket = await continueTicket(
    kardia,
    { ...spent, clientId: interaction.clientId },
    { party: partyOfUser(kardia, user), remember: form.remember === '1' },
  );
  request.log.info({ event: 'uma_claims_gathered', client_id: interaction.clientId }, 'gathered');
  return back(reply, uri, { ticket, state });
}

/** UMA-CG-3: 302 to the claims redirect URI, its own query kept, `state` only when sent. */
const back = (reply: FastifyReply, uri: string, params: Record<string, string | undefined>) =>
  reply.header('cache-control', 'no-store').redirect(redirectLocation(uri, 'query', params), 302);

const interactionPath = (kardia: Kardia, handle: string) =>
  pagePath(kardia, `${UMA_PATHS.claimsInteraction}/interaction/${handle}`);

/** The owner's name and the names of the resources, for the page. */
async function whatIsAsked(kardia: Kardia, interaction: Interaction) {
  const ticket = await findTicketByHash(kardia, interaction.ticketHash);
  const owner = ticket ? await findUserBySub(kardia, ticket.owner) : undefined;
  const resources: string[] = [];
  for (const permission of ticket?.permissions ?? []) {
    const resource = await findResource(kardia, permission.resource_id);
    const name = resource?.description.name;
    resources.push(
      `${typeof name === 'string' ? name : 'A record'} (${permission.resource_scopes.join(', ') || 'any access'})`,
    );
  }
  return { ownerName: owner?.name ?? owner?.username ?? 'its owner', resources };
}
