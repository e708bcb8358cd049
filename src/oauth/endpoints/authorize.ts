import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_FIELD, checkSessionCsrf } from '../../account/csrf.js';
import { formBody } from '../../account/form-body.js';
import { loginRedirect } from '../../account/login.js';
import { PageError } from '../../account/page-error.js';
import { installPageErrorHandling } from '../../account/page-rendering.js';
import { pagePath } from '../../account/paths.js';
import type { Kardia } from '../../server/context.js';
import { logFailure, toOAuthError } from '../../server/errors.js';
import { oauthParams } from '../../server/forms.js';
import { runAuthorizeChecks } from '../authorize/checks.js';
import {
  type AuthorizationContext,
  clientOf,
  createContext,
  sessionOf,
} from '../authorize/context.js';
import { errorLocation } from '../authorize/redirect.js';
import { authorizationResponse } from '../authorize/respond.js';
import { DECISION_FIELDS, sendConsentPage } from '../consent-page.js';
import { recordConsent } from '../consent-grants.js';
import { OAuthError } from '../errors.js';

/**
 * The authorization endpoint (RFC 6749 §3.1, §4.1, §4.2; HEART OAuth §2.2.1, §3.1): GET or
 * POST /authorize runs the checks of authorize/checks.ts, then signs the user in, asks for
 * consent, or answers; POST /authorize/decision carries the user's allow or deny. Its scope
 * renders errors as pages, since until the redirect URI is trusted a person gets the answer.
 */
export async function registerAuthorize(app: FastifyInstance, kardia: Kardia): Promise<void> {
  await app.register(async (scope) => {
    installPageErrorHandling(scope, kardia);
    scope.get('/authorize', (request, reply) =>
      authorize(kardia, request, reply, () => oauthParams(request.query)),
    );
    scope.post('/authorize', (request, reply) =>
      authorize(kardia, request, reply, () => formBody(request)),
    );
    scope.post('/authorize/decision', (request, reply) => decide(kardia, request, reply));
  });
}

async function authorize(
  kardia: Kardia,
  request: FastifyRequest,
  reply: FastifyReply,
  readParams: () => Record<string, string>,
): Promise<FastifyReply> {
  const context = createContext(kardia, request, readParams());
  return answerRedirectably(context, reply, async () => {
    await runAuthorizeChecks(context);
    if (context.prompts.has('login')) return sendToLogin(context, reply);
    if (context.prompts.has('consent')) return sendConsentPage(context, reply);
    return redirectToClient(reply, await authorizationResponse(context));
  });
}

/** The consent form's answer: the same checks again on the same request, then the decision. */
async function decide(
  kardia: Kardia,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const form = formBody(request);
  const params = Object.fromEntries(
    Object.entries(form).filter(([name]) => !(DECISION_FIELDS as readonly string[]).includes(name)),
  );
  const context = createContext(kardia, request, params);
  return answerRedirectably(context, reply, async () => {
    await runAuthorizeChecks(context);
    if (context.prompts.has('login')) return sendToLogin(context, reply);
    const session = sessionOf(context);
    await checkSessionCsrf(kardia, session, form[CSRF_FIELD]);
    const decision = form.decision;
    const client = clientOf(context).clientId;
    if (decision === 'deny') {
      request.log.info({ event: 'consent_denied', client_id: client, sub: session.sub }, 'denied');
      throw new OAuthError('access_denied', 'the user denied the request');
    }
    if (decision !== 'allow') {
      throw new PageError(400, 'No choice was made', 'Choose Allow or Deny on the consent page.');
    }
    if (context.prompts.has('consent')) {
      context.grant = await recordConsent(kardia, session.sub, client, context.scopes);
      context.prompts.delete('consent');
      request.log.info(
        { event: 'consent_granted', client_id: client, sub: session.sub },
        'allowed',
      );
    }
    return redirectToClient(reply, await authorizationResponse(context));
  });
}

/**
 * Runs `step`; an error it throws becomes a redirect to the client once the redirect URI has
 * been matched, and a page before that (spec/README.md, "Errors at /authorize"). A page error
 * (a stale consent form) is always a page: it is the user's problem, not the client's.
 */
async function answerRedirectably(
  context: AuthorizationContext,
  reply: FastifyReply,
  step: () => Promise<FastifyReply>,
): Promise<FastifyReply> {
  try {
    return await step();
  } catch (cause) {
    if (!context.redirectUri || cause instanceof PageError) throw cause;
    const error = toOAuthError(cause);
    logFailure(context.request, error, cause);
    const location = errorLocation(context.redirectUri, context.responseMode, error, context.state);
    return redirectToClient(reply, location);
  }
}

/** RFC 6749 §4.1.2: a 302 to the client; the answer may hold a code or token, so no cache. */
const redirectToClient = (reply: FastifyReply, location: string): FastifyReply =>
  reply.header('cache-control', 'no-store').redirect(location, 302);

/** To the login page, coming back to this same request (as a GET) afterwards. */
function sendToLogin(context: AuthorizationContext, reply: FastifyReply): FastifyReply {
  const query = new URLSearchParams(context.received).toString();
  const returnTo = `${pagePath(context.kardia, '/authorize')}?${query}`;
  return reply
    .header('cache-control', 'no-store')
    .redirect(loginRedirect(context.kardia, returnTo), 302);
}
