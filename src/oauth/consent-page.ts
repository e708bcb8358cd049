import type { FastifyReply } from 'fastify';
import { stylesheetPath } from '../account/assets.js';
import { sessionCsrfToken } from '../account/csrf.js';
import { sendPage } from '../account/page-rendering.js';
import { pagePath } from '../account/paths.js';
import { findUserBySub } from '../account/users.js';
import { ConsentPage } from '../account/views/consent-page.js';
import { type AuthorizationContext, clientOf, sessionOf } from './authorize/context.js';
import { describeScopes } from './consent-scopes.js';

/** Form fields of the decision that are not part of the authorization request. */
export const DECISION_FIELDS = ['decision', 'csrf_token'] as const;

/** Shows the approval page for a request that every check has passed. */
export async function sendConsentPage(
  context: AuthorizationContext,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { kardia } = context;
  const client = clientOf(context);
  const session = sessionOf(context);
  const user = await findUserBySub(kardia, session.sub);
  const clientUri = client.metadata.client_uri;
  const params = Object.fromEntries(
    Object.entries(context.received).filter(
      ([name]) => !(DECISION_FIELDS as readonly string[]).includes(name),
    ),
  );
  const page = ConsentPage({
    stylesheet: stylesheetPath(kardia),
    action: pagePath(kardia, '/authorize/decision'),
    csrfToken: await sessionCsrfToken(kardia, session),
    params,
    signedInAs: user?.name ?? user?.username ?? '',
    clientName: client.name ?? client.clientId,
    clientId: client.clientId,
    clientUri: typeof clientUri === 'string' ? clientUri : undefined,
    registration: client.registration,
    softwareStatementIssuer: client.softwareStatementIssuer,
    destination: destinationOf(context.redirectUri),
    scopes: describeScopes(context.scopes),
  });
  return sendPage(reply, page);
}

/** The redirect URI as a person would recognise it: its host, or its scheme for native apps. */
function destinationOf(redirectUri: string | undefined): string {
  if (!redirectUri) return 'the application';
  try {
    const url = new URL(redirectUri);
    return url.host || `the app (${url.protocol.replace(/:$/, '')})`;
  } catch {
    return 'the application';
  }
}
