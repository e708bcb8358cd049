import type { FastifyRequest } from 'fastify';
import type { LoginSession } from '../../account/session.js';
import type { Kardia } from '../../server/context.js';
import type { Client } from '../clients.js';
import type { ConsentGrant } from '../consent-grants.js';
import { OAuthError } from '../errors.js';

/** How the answer travels back: the query for `code`, the fragment for `token` (RFC 6749 §4). */
export type ResponseMode = 'query' | 'fragment';

/** Interactions the user must go through before the request can be answered. */
export type Prompt = 'login' | 'consent';

/**
 * One authorization request as the checks see it. Each check reads what earlier ones settled
 * and adds its own finding; none answers the browser itself. The OpenID provider's checks
 * (nonce, prompt, max_age, request objects, vtr) work on the same object.
 */
export interface AuthorizationContext {
  kardia: Kardia;
  request: FastifyRequest;
  /**
   * The request's parameters, each once (RFC 6749 §3.1). A request-object check may replace
   * them with the object's claims before the checks that read them.
   */
  params: Record<string, string>;
  /** The parameters as they arrived, for the way back after login and for the consent form. */
  received: Readonly<Record<string, string>>;
  /** `state`, echoed byte for byte on every redirect (RFC 6749 §4.1.2, OA-AZ-3). */
  state: string | undefined;
  /** Set by checkClient. */
  client: Client | undefined;
  /**
   * Set by checkRedirectUri once it exactly matches a registered URI (HEART OAuth §3.1.8).
   * Until then every error is a page; from then on every error is a redirect to it.
   */
  redirectUri: string | undefined;
  /** Set by checkResponseType. */
  responseType: string | undefined;
  responseMode: ResponseMode;
  /** The scopes being asked for, after defaults (checkScope). */
  scopes: string[];
  /** The S256 PKCE challenge, when one was sent (checkPkce). */
  codeChallenge: string | undefined;
  /** The signed-in user's session (checkLogin). */
  session: LoginSession | undefined;
  /** The consent grant that covers this request (checkConsent, or the user's "allow"). */
  grant: ConsentGrant | undefined;
  /** Interactions still needed; the endpoint acts on them once every check has run. */
  prompts: Set<Prompt>;
  /**
   * Values carried with the code into the token response (stored in the code row's `extra`):
   * the OpenID provider puts `nonce`, `acr`, `amr`, `auth_time`, `vot`, `claims` here.
   */
  extra: Record<string, unknown>;
}

export function createContext(
  kardia: Kardia,
  request: FastifyRequest,
  params: Record<string, string>,
): AuthorizationContext {
  return {
    kardia,
    request,
    params,
    received: { ...params },
    state: params.state,
    client: undefined,
    redirectUri: undefined,
    responseType: undefined,
    responseMode: 'query',
    scopes: [],
    codeChallenge: undefined,
    session: undefined,
    grant: undefined,
    prompts: new Set(),
    extra: {},
  };
}

/** The client, for checks that run after checkClient; a missing one is a programming error. */
export function clientOf(context: AuthorizationContext): Client {
  if (!context.client) throw new Error('authorization check ran before checkClient');
  return context.client;
}

/** The signed-in user's session, for steps that run only once login is settled. */
export function sessionOf(context: AuthorizationContext): LoginSession {
  if (!context.session) throw new Error('authorization step ran without a session');
  return context.session;
}

/** A redirectable refusal; once the redirect URI is known, every OAuthError travels there. */
export const invalidRequest = (description: string): OAuthError =>
  new OAuthError('invalid_request', description);
