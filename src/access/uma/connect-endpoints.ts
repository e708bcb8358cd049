import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clearCookie, readCookies, setCookie } from '../../server/cookies.js';
import { randomToken, safeEqual, sha256 } from '../../util/random.js';
import { nowSeconds } from '../../util/time.js';
import type { Store } from '../../store/database.js';
import { FhirError } from '../../fhir/outcome.js';
import { parseScopes } from '../scopes/grammar.js';
import { AsUnavailable } from '../token/trusted-as.js';
import type { TokenValidator } from '../token/validate.js';
import { type AsProtection, PROTECTION_SCOPE } from './as-protection.js';
import type { PatClient } from './pat-client.js';
import { type PatLinks, redeem, TokenRefused } from './pat-links.js';
import { ConnectPageError, page } from './connect-page.js';
import type { Registrations } from './registrations.js';

/** Where the RS's UMA pages live, under its FHIR base. */
export const CONNECT_PATHS = {
  connect: '/fhir/uma/connect',
  callback: '/fhir/uma/callback',
  link: '/fhir/uma/link',
} as const;

const BROWSER_COOKIE = 'kardia_rs_uma';
/** How long the owner has to log in and approve at the AS, seconds. */
const PENDING_TTL = 600;

export interface ConnectOptions {
  store: Store;
  client: PatClient;
  protection: AsProtection;
  links: PatLinks;
  registrations: Registrations;
  validator: TokenValidator;
  secureCookies: boolean;
}

/**
 * The owner connects their record once (heart-uma2.md 3.1, HU-17): the RS sends the browser to
 * the AS's /authorize for `uma_protection` (PKCE S256, `state` bound to this browser by a
 * cookie), redeems the code at /token with its own key, keeps the PAT and refresh token, and
 * registers the record. `/fhir/uma/link` lets the owner's app see and end the link.
 */
export function registerConnectEndpoints(app: FastifyInstance, options: ConnectOptions): void {
  app.get(CONNECT_PATHS.connect, (_request, reply) =>
    guarded(reply, () => connect(options, reply)),
  );
  app.get(CONNECT_PATHS.callback, (request, reply) =>
    guarded(reply, () => callback(options, request, reply)),
  );
  app.get(CONNECT_PATHS.link, (request, reply) => linkStatus(options, request, reply));
  app.delete(CONNECT_PATHS.link, (request, reply) => unlink(options, request, reply));
}

async function connect(options: ConnectOptions, reply: FastifyReply) {
  const { authorization_endpoint: endpoint } = await options.protection.metadata();
  const state = randomToken();
  const verifier = randomToken();
  const browser = randomToken();
  const now = nowSeconds();
  await options.store.db.deleteFrom('rs_uma_pending').where('expires_at', '<', now).execute();
  await options.store.db
    .insertInto('rs_uma_pending')
    .values({
      state_hash: sha256(state),
      browser_hash: sha256(browser),
      verifier_sealed: options.client.sealer.seal(verifier),
      expires_at: now + PENDING_TTL,
    })
    .execute();
  setCookie(reply, BROWSER_COOKIE, browser, {
    path: '/fhir/uma',
    maxAge: PENDING_TTL,
    secure: options.secureCookies,
  });
  const url = new URL(endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: options.client.clientId,
    redirect_uri: options.client.redirectUri,
    scope: PROTECTION_SCOPE,
    state,
    // RFC 7636 §4.2: S256 only (HEART OAuth, HU-15).
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return reply.code(302).header('cache-control', 'no-store').header('location', url.href).send();
}

async function callback(options: ConnectOptions, request: FastifyRequest, reply: FastifyReply) {
  const query = request.query as Record<string, unknown>;
  const text = (name: string) => (typeof query[name] === 'string' ? query[name] : undefined);
  const pending = await takePending(options, request, text('state'));
  clearCookie(reply, BROWSER_COOKIE, options.secureCookies);
  const code = text('code');
  if (text('error') !== undefined || !code) {
    throw new ConnectPageError(403, 'The record was not connected: the request was not approved.');
  }

  const { token_endpoint: endpoint } = await options.protection.metadata();
  const tokens = await redeem(options.client, endpoint, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: options.client.redirectUri,
    code_verifier: pending.verifier,
  });
  // The PAT is an access token of the trusted AS: verified like any, and its `sub` is the owner.
  const claims = await options.validator.validate(tokens.access_token);
  const granted = (tokens.scope ?? claims.scope ?? '').split(' ');
  if (
    !granted.includes(PROTECTION_SCOPE) ||
    claims.clientId !== options.client.clientId ||
    !claims.sub ||
    claims.sub === claims.clientId
  ) {
    throw new ConnectPageError(400, 'The authorization server did not grant uma_protection.');
  }
  await options.links.save(claims.sub, tokens);
  request.log.info({ event: 'uma_link_made' }, 'an owner connected their record');
  try {
    await options.registrations.reconcile(claims.sub);
  } catch (error) {
    // The link stands; the record sync registers the record at its next pass.
    request.log.warn({ reason: (error as Error).message }, 'record not registered yet');
  }
  const record = (await options.registrations.ofOwner(claims.sub)).find((r) => r.part === '*');
  // UMA-RES-9: the AS's page where the owner sets policy for the record just registered.
  if (record?.policyUri) return reply.code(303).header('location', record.policyUri).send();
  return page(reply, 200, 'Record connected', 'Your record can now be shared through Kardia.');
}

/** The pending flow named by `state`, only in the browser that started it; single use. */
async function takePending(options: ConnectOptions, request: FastifyRequest, state?: string) {
  const browser = readCookies(request)[BROWSER_COOKIE];
  const refused = new ConnectPageError(400, 'This link is no longer valid. Start again.');
  if (!state || state.length > 200 || !browser) throw refused;
  const row = await options.store.db
    .selectFrom('rs_uma_pending')
    .selectAll()
    .where('state_hash', '=', sha256(state))
    .executeTakeFirst();
  if (!row || !safeEqual(row.browser_hash, sha256(browser))) throw refused;
  const deleted = await options.store.db
    .deleteFrom('rs_uma_pending')
    .where('state_hash', '=', row.state_hash)
    .executeTakeFirst();
  const verifier = options.client.sealer.unseal(row.verifier_sealed);
  if (Number(deleted.numDeletedRows) !== 1 || row.expires_at <= nowSeconds() || !verifier) {
    throw refused;
  }
  return { verifier };
}

/**
 * The link, as the owner's app sees it: an access token of the trusted AS for the owner, with a
 * `user/` scope on every type (read to look, delete to unlink: ending the link stops every
 * share of the record, a change to the whole record).
 */
async function ownerOf(options: ConnectOptions, request: FastifyRequest, letter: 'r' | 'd') {
  const header = request.headers.authorization ?? '';
  const token = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header)?.[1];
  if (!token) throw new FhirError('unauthorized', 'login', 'an access token is required');
  const claims = await options.validator.validate(token);
  const enough = parseScopes(claims.scope).grants.some(
    (g) => g.permission === 'user' && g.type === '*' && g.letters.has(letter),
  );
  if (!claims.sub || claims.sub === claims.clientId || !enough) {
    throw new FhirError(
      'forbidden',
      'forbidden',
      `the token needs user/*.${letter === 'r' ? 'read' : 'write'}`,
    );
  }
  return claims.sub;
}

async function linkStatus(options: ConnectOptions, request: FastifyRequest, reply: FastifyReply) {
  return answerJson(reply, async () => {
    const owner = await ownerOf(options, request, 'r');
    const connected = await options.links.isLinked(owner);
    const resources = connected ? await options.registrations.ofOwner(owner) : [];
    return {
      status: 200,
      body: {
        connected,
        resources: resources.map((r) => ({
          _id: r.resourceId,
          patient: r.patientId,
          part: r.part,
          user_access_policy_uri: r.policyUri,
        })),
      },
    };
  });
}

/** Part 3.9: unlinking deletes the registrations (their RPTs end) and revokes PAT and refresh. */
async function unlink(options: ConnectOptions, request: FastifyRequest, reply: FastifyReply) {
  return answerJson(reply, async () => {
    const owner = await ownerOf(options, request, 'd');
    if (await options.links.isLinked(owner)) {
      await options.registrations.removeAll(owner);
      await options.links.unlink(owner);
      request.log.info({ event: 'uma_link_ended' }, 'an owner unlinked their record');
    }
    return { status: 204, body: undefined };
  });
}

async function answerJson(
  reply: FastifyReply,
  work: () => Promise<{ status: number; body: unknown }>,
) {
  reply.header('cache-control', 'no-store');
  try {
    const { status, body } = await work();
    return body === undefined ? reply.code(status).send() : reply.code(status).send(body);
  } catch (error) {
    if (error instanceof AsUnavailable) {
      return reply.code(503).send({ error: 'temporarily_unavailable' });
    }
    if (!(error instanceof FhirError)) throw error;
    reply.code(error.status);
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
    return reply.type('application/fhir+json').send(error.outcome);
  }
}

/** Pages answer a readable page, never a stack trace; AS trouble is a 503 page. */
async function guarded(reply: FastifyReply, work: () => Promise<FastifyReply>) {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ConnectPageError)
      return page(reply, error.status, 'Not connected', error.message);
    if (error instanceof TokenRefused) {
      return page(reply, 400, 'Not connected', 'The authorization server refused the code.');
    }
    if (error instanceof AsUnavailable) {
      return page(reply, 503, 'Try again later', 'The authorization server cannot be reached.');
    }
    if (error instanceof FhirError && error.status === 401) {
      return page(reply, 400, 'Not connected', 'The authorization server gave no valid token.');
    }
    throw error;
  }
}
