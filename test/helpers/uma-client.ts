import { clientAssertion, type TestClient } from './clients.js';
import { formFields, type UserAgent } from './user-agent.js';

/**
 * A small UMA 2.0 client (no UMA client exists on npm): it reads the RS's `UMA` challenge,
 * discovers the AS from `as_uri`, runs the uma-ticket grant with private_key_jwt (assertion `aud`
 * = the token endpoint, as HEART requires), and follows `need_info` (pushing a claim token, or
 * walking `redirect_user` with a browser) and `request_submitted` (polling after `interval`).
 */

/** The parameters of a `WWW-Authenticate: UMA ...` challenge (UMA grant §3.2). */
export interface UmaChallenge {
  realm: string | undefined;
  asUri: string;
  ticket: string;
}

/**
 * Finds the UMA challenge in a `WWW-Authenticate` header that may hold several challenges
 * (`UMA realm="kardia", as_uri="...", ticket="..."`, then `Bearer realm="kardia"`).
 */
export function parseUmaChallenge(header: string | null): UmaChallenge | undefined {
  if (!header) return undefined;
  const start = header.search(/(^|,\s*)UMA\s/i);
  if (start === -1) return undefined;
  let rest = header
    .slice(start)
    .replace(/^,\s*/, '')
    .replace(/^UMA\s+/i, '');
  const params: Record<string, string> = {};
  // auth-param = token "=" ( token / quoted-string ) (RFC 9110 §11.2); the next challenge starts
  // with a scheme name followed by a space, which no auth-param matches.
  for (;;) {
    const match = /^\s*([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*/.exec(rest);
    if (!match) break;
    params[(match[1] ?? '').toLowerCase()] = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1');
    rest = rest.slice(match[0].length);
    if (!rest.startsWith(',')) break;
    rest = rest.slice(1);
  }
  if (!params.as_uri || !params.ticket) return undefined;
  return { realm: params.realm, asUri: params.as_uri, ticket: params.ticket };
}

/** The UMA discovery document (UMA grant §2): `as_uri` with the suffix appended to its end. */
export async function discoverUma(asUri: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${asUri}/.well-known/uma2-configuration`);
  if (response.status !== 200) throw new Error(`UMA discovery failed: ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

export const UMA_TICKET_GRANT = 'urn:ietf:params:oauth:grant-type:uma-ticket';
export const ID_TOKEN_FORMAT = 'http://openid.net/specs/openid-connect-core-1_0.html#IDToken';

/** The optional parameters of one uma-ticket grant request (UMA grant §3.3.1). */
export interface GrantParams {
  claim_token?: string;
  claim_token_format?: string;
  pct?: string;
  rpt?: string;
  scope?: string;
}

export interface GrantAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** A UMA error that ended `obtainRpt`, with the AS's answer. */
export class UmaGrantError extends Error {
  constructor(readonly answer: GrantAnswer) {
    super(`uma-ticket grant refused: ${answer.status} ${JSON.stringify(answer.body)}`);
    this.name = 'UmaGrantError';
  }
}

export interface ObtainOptions extends GrantParams {
  /** Pushed with the first `need_info` (or at once, with `pushAtOnce`). */
  claimToken?: string;
  pushAtOnce?: boolean;
  /** Walks `redirect_user` for the requesting party and answers the new ticket. */
  gatherClaims?: (redirectUser: string, ticket: string) => Promise<string>;
  /** Most `request_submitted` polls before giving up. */
  maxPolls?: number;
  /** Called on each `request_submitted` before waiting (a test approves here). */
  onSubmitted?: (answer: GrantAnswer) => Promise<void> | void;
  /** Shortens the wait between polls (tests); never below zero. */
  intervalScale?: number;
}

export interface ObtainResult {
  tokens: Record<string, unknown>;
  /** Every ticket handed out along the way, the first included. */
  tickets: string[];
  /** The error codes met along the way, in order. */
  steps: string[];
}

export class UmaClient {
  constructor(
    readonly tokenEndpoint: string,
    readonly client: TestClient,
  ) {}

  /** Builds a client for the AS named by `as_uri`, from its discovery document. */
  static async forAs(asUri: string, client: TestClient): Promise<UmaClient> {
    const configuration = await discoverUma(asUri);
    return new UmaClient(String(configuration.token_endpoint), client);
  }

  /** One uma-ticket grant request, answered as it came. */
  async grant(ticket: string, params: GrantParams = {}): Promise<GrantAnswer> {
    const fields: Record<string, string> = {
      grant_type: UMA_TICKET_GRANT,
      ticket,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(this.client, this.tokenEndpoint),
    };
    for (const [name, value] of Object.entries(params)) {
      if (typeof value === 'string') fields[name] = value;
    }
    const response = await fetch(this.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    const body = (await response.json()) as Record<string, unknown>;
    return { status: response.status, headers: response.headers, body };
  }

  /** Runs the grant to an RPT, following `need_info` and `request_submitted` (UMA grant §3.3.6). */
  async obtainRpt(firstTicket: string, options: ObtainOptions = {}): Promise<ObtainResult> {
    const tickets = [firstTicket];
    const steps: string[] = [];
    const base: GrantParams = {};
    for (const name of ['pct', 'rpt', 'scope'] as const) {
      if (options[name] !== undefined) base[name] = options[name];
    }
    let pushed = false;
    let polls = 0;
    let params: GrantParams = { ...base };
    if (options.claimToken && options.pushAtOnce) {
      params = { ...params, claim_token: options.claimToken, claim_token_format: ID_TOKEN_FORMAT };
      pushed = true;
    }
    for (let step = 0; step < 20; step++) {
      const ticket = tickets[tickets.length - 1] ?? firstTicket;
      const answer = await this.grant(ticket, params);
      params = { ...base };
      if (answer.status === 200) return { tokens: answer.body, tickets, steps };
      const error = String(answer.body.error);
      steps.push(error);
      const next = typeof answer.body.ticket === 'string' ? answer.body.ticket : undefined;
      if (error === 'need_info' && next) {
        tickets.push(next);
        if (options.claimToken && !pushed) {
          params = {
            ...base,
            claim_token: options.claimToken,
            claim_token_format: ID_TOKEN_FORMAT,
          };
          pushed = true;
          continue;
        }
        const redirectUser = answer.body.redirect_user;
        if (typeof redirectUser === 'string' && options.gatherClaims) {
          tickets.push(await options.gatherClaims(redirectUser, next));
          continue;
        }
      }
      if (error === 'request_submitted' && next && polls < (options.maxPolls ?? 3)) {
        polls += 1;
        tickets.push(next);
        await options.onSubmitted?.(answer);
        const interval = typeof answer.body.interval === 'number' ? answer.body.interval : 5;
        await sleep(Math.max(0, interval * 1000 * (options.intervalScale ?? 1)));
        continue;
      }
      throw new UmaGrantError(answer);
    }
    throw new Error('uma-ticket grant did not finish within 20 steps');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface GatherOptions {
  clientId: string;
  claimsRedirectUri?: string;
  state?: string;
  username: string;
  password: string;
  remember?: boolean;
  decision?: 'allow' | 'deny';
}

/** Where claims gathering sent the browser back to, with its parameters. */
export interface GatherResult {
  location: string;
  params: Record<string, string>;
  sawLogin: boolean;
  pageHtml: string;
}

/**
 * Walks interactive claims gathering (UMA grant §3.3.2, §3.3.3) as the requesting party's browser:
 * the claims interaction URL, Kardia's login when needed, the decision page, and the redirect
 * back to the client's claims redirect URI.
 */
export async function walkClaimsGathering(
  agent: UserAgent,
  redirectUser: string,
  ticket: string,
  options: GatherOptions,
): Promise<GatherResult> {
  const query = new URLSearchParams({ client_id: options.clientId, ticket });
  if (options.claimsRedirectUri) query.set('claims_redirect_uri', options.claimsRedirectUri);
  if (options.state) query.set('state', options.state);
  let response = await agent.get(`${redirectUser}?${query.toString()}`);
  let sawLogin = false;
  let pageHtml = '';
  const origin = new URL(agent.server.url).origin;
  for (let step = 0; step < 10; step++) {
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location') ?? '';
      const target = new URL(location, agent.server.url);
      if (target.origin !== origin) {
        return {
          location,
          params: Object.fromEntries(target.searchParams),
          sawLogin,
          pageHtml,
        };
      }
      response = await agent.get(`${target.pathname}${target.search}`);
      continue;
    }
    const html = await response.text();
    if (response.status === 200 && html.includes('name="password"')) {
      sawLogin = true;
      const fields = formFields(html, 'action="/login"');
      response = await agent.postForm('/login', {
        ...fields,
        username: options.username,
        password: options.password,
      });
      continue;
    }
    if (response.status === 200 && html.includes('name="decision"')) {
      pageHtml = html;
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
      const fields = formFields(html, `action="${action}"`);
      response = await agent.postForm(action, {
        ...fields,
        decision: options.decision ?? 'allow',
        ...(options.remember ? { remember: '1' } : {}),
      });
      continue;
    }
    throw new Error(`claims gathering ended on a page: ${response.status}`);
  }
  throw new Error('claims gathering did not finish within 10 steps');
}
