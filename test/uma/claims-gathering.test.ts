import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/util/random.js';
import { decodeToken } from '../helpers/back-channel.js';
import { assertionParams, postForm } from '../helpers/clients.js';
import { postRegistration, type RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { type UmaClient, walkClaimsGathering } from '../helpers/uma-client.js';
import { formFields, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import {
  CLAIMS_CALLBACK,
  createPolicy,
  emailClaim,
  endpoints,
  linkOwner,
  policyToken,
  registerResource,
  registerResourceServerClient,
  registerUmaApp,
  ticketFor,
  umaClient,
} from './fixtures.js';

/**
 * Interactive claims gathering (UMA grant §3.3.2, §3.3.3, §5.1) and persisted claims tokens
 * (§5.2): the requesting party's browser (a cookie-jar user agent) visits Kardia's claims
 * interaction endpoint, signs in, decides, and returns to the client's claims redirect URI.
 */
interface World {
  server: TestServer;
  pat: string;
  aliceToken: string;
  bob: TestUser;
  app: RegisteredClient;
  uma: UmaClient;
}

let world: World;
let stale: World;

async function makeWorld(overrides: Parameters<typeof startKardia>[0] = {}): Promise<World> {
  const server = await startKardia(overrides);
  const alice = await createTestUser(server, { name: 'Alice', email: 'alice@example.org' });
  const bob = await createTestUser(server, { name: 'Bob', email: 'bob@example.org' });
  const rs = await registerResourceServerClient(server);
  const { pat } = await linkOwner(server, rs, alice);
  const aliceToken = await policyToken(server, alice);
  const app = await registerUmaApp(server);
  return { server, pat, aliceToken, bob, app, uma: umaClient(server, app) };
}

beforeAll(async () => {
  world = await makeWorld();
  stale = await makeWorld({ umaPctTtl: 2 });
});
afterAll(async () => {
  await world.server.close();
  await stale.server.close();
});

/** A resource of Alice's shared with Bob's verified email at Kardia; answers its id. */
async function sharedWithBob(w: World = world): Promise<string> {
  const resourceId = await registerResource(w.server, w.pat);
  await createPolicy(w.server, w.aliceToken, {
    resource_ids: [resourceId],
    resource_scopes: ['read'],
    required_claims: [emailClaim(w.server, 'bob@example.org')],
    mode: 'grant',
  });
  return resourceId;
}

const ticketOn = (resourceId: string, w: World = world) =>
  ticketFor(w.server, w.pat, { resource_id: resourceId, resource_scopes: ['read'] });

/** The first need_info of a fresh ticket: the ticket to carry to the claims endpoint. */
async function needInfoTicket(resourceId: string, w: World = world) {
  const answer = await w.uma.grant(await ticketOn(resourceId, w));
  expect(answer.body.error).toBe('need_info');
  return { ticket: String(answer.body.ticket), redirectUser: String(answer.body.redirect_user) };
}

const gather = (
  w: World,
  ticket: string,
  options: {
    remember?: boolean;
    state?: string;
    decision?: 'allow' | 'deny';
    agent?: UserAgent;
  } = {},
) =>
  walkClaimsGathering(
    options.agent ?? new UserAgent(w.server),
    endpoints(w.server).claims,
    ticket,
    {
      clientId: w.app.clientId,
      claimsRedirectUri: CLAIMS_CALLBACK,
      username: w.bob.username,
      password: w.bob.password,
      ...options,
    },
  );

/** A GET of the claims endpoint with these parameters, not followed. */
async function arrive(params: Record<string, string>) {
  const response = await fetch(`${endpoints(world.server).claims}?${new URLSearchParams(params)}`, {
    redirect: 'manual',
  });
  return {
    status: response.status,
    location: response.headers.get('location'),
    html: await response.text(),
  };
}

describe('registration of claims redirect URIs', () => {
  it('UMA-REG-1 HU-14 claims_redirect_uris is stored and echoed unchanged', () => {
    expect(world.app.body.claims_redirect_uris).toEqual([CLAIMS_CALLBACK]);
  });

  it('UMA-REG-2 a claims redirect URI with a fragment → 400 invalid_client_metadata', async () => {
    const answer = await postRegistration(world.server, {
      grant_types: ['urn:ietf:params:oauth:grant-type:uma-ticket'],
      claims_redirect_uris: ['https://c.example/cb#x'],
      jwks: world.app.keys.jwks,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_client_metadata');
  });
});

describe('the claims interaction endpoint', () => {
  it('UMA-DISC-6 UMA-CG-3 HU-16 HU-28 sign in, allow, return with a new ticket and state; the grant then succeeds', async () => {
    const resourceId = await sharedWithBob();
    const { ticket, redirectUser } = await needInfoTicket(resourceId);
    expect(redirectUser).toBe(endpoints(world.server).claims);
    const back = await gather(world, ticket, { state: 's1' });
    expect(back.sawLogin).toBe(true);
    expect(back.location.startsWith(`${CLAIMS_CALLBACK}&ticket=`)).toBe(true);
    expect(back.params.from).toBe('kardia');
    expect(back.params.state).toBe('s1');
    expect(back.params.ticket).not.toBe(ticket);
    const answer = await world.uma.grant(back.params.ticket ?? '');
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(decodeToken(String(answer.body.access_token)).payload.sub).toBe(world.bob.sub);
  });

  it('UMA-CG-4 HU-16 the redirect carries only ticket (and state when sent) on the registered URI', async () => {
    const resourceId = await sharedWithBob();
    const { ticket } = await needInfoTicket(resourceId);
    const back = await gather(world, ticket);
    expect(Object.keys(back.params).sort()).toEqual(['from', 'ticket']);
    expect(back.location).not.toContain('bob');
  });

  it('HU-41 the requesting party sees the client, its registration and the claims Kardia will use', async () => {
    const { ticket } = await needInfoTicket(await sharedWithBob());
    const back = await gather(world, ticket);
    expect(back.pageHtml).toContain('Care app');
    expect(back.pageHtml).toContain('data-registration="dynamic"');
    expect(back.pageHtml).toContain('bob@example.org');
    expect(back.pageHtml).toContain('name="remember"');
  });

  it('UMA-CG-5 the requesting party denies → error=access_denied with state', async () => {
    const { ticket } = await needInfoTicket(await sharedWithBob());
    const back = await gather(world, ticket, { decision: 'deny', state: 's1' });
    expect(back.params).toMatchObject({ error: 'access_denied', state: 's1' });
    expect(back.params.ticket).toBeUndefined();
  });

  it('UMA-CG-6 UMA-TKT-2 the ticket is spent on arrival: the token endpoint then refuses it', async () => {
    const { ticket } = await needInfoTicket(await sharedWithBob());
    const started = await arrive({ client_id: world.app.clientId, ticket, state: 's1' });
    expect(started.status).toBe(303);
    const answer = await world.uma.grant(ticket);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_grant');
    const again = await arrive({ client_id: world.app.clientId, ticket, state: 's2' });
    expect(again.status).toBe(302);
    expect(again.location).toContain('error=invalid_request');
    expect(again.location).toContain('state=s2');
  });

  it('UMA-CG-7 HU-29 a decision posted without the CSRF token → 403 page, no redirect', async () => {
    const { ticket } = await needInfoTicket(await sharedWithBob());
    const agent = new UserAgent(world.server);
    const started = await agent.get(
      `/uma/claims?${new URLSearchParams({ client_id: world.app.clientId, ticket })}`,
    );
    const page = String(started.headers.get('location'));
    await agent.signIn(world.bob.username, world.bob.password);
    const html = await (await agent.get(page)).text();
    const fields = formFields(html, `action="${page}"`);
    expect(fields.csrf_token).toBeTruthy();
    const forged = await agent.postForm(page, { decision: 'allow' });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('location')).toBeNull();
    const wrong = await agent.postForm(page, { decision: 'allow', csrf_token: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
  });

  it('UMA-CG-1 two registered URIs and none named → error page; one registered → it is used', async () => {
    const two = await registerUmaApp(world.server, {
      claims_redirect_uris: [CLAIMS_CALLBACK, 'https://app.example/claims2'],
    });
    const page = await arrive({ client_id: two.clientId, ticket: 'x' });
    expect(page.status).toBe(400);
    expect(page.location).toBeNull();
    const { ticket } = await needInfoTicket(await sharedWithBob());
    const one = await arrive({ client_id: world.app.clientId, ticket });
    expect(one.status).toBe(303);
  });

  it('UMA-CG-2 HU-29 an unknown client or an unregistered claims redirect URI → 400 page, no redirect', async () => {
    const cases: Record<string, string>[] = [
      { client_id: 'nobody', ticket: 'x', claims_redirect_uri: CLAIMS_CALLBACK },
      { client_id: world.app.clientId, ticket: 'x', claims_redirect_uri: 'https://evil.example/' },
      { ticket: 'x' },
    ];
    for (const params of cases) {
      const page = await arrive(params);
      expect(page.status, JSON.stringify(params)).toBe(400);
      expect(page.location).toBeNull();
      expect(page.html).toContain('<!DOCTYPE html>');
    }
  });

  it('UMA-REG-3 HU-13 an OAuth redirect URI, or a claims URI extended by a path or query → 400 page', async () => {
    for (const uri of [
      'https://app.example/callback',
      `${CLAIMS_CALLBACK}/more`,
      `${CLAIMS_CALLBACK}&x=1`,
    ]) {
      const page = await arrive({
        client_id: world.app.clientId,
        ticket: 'x',
        claims_redirect_uri: uri,
      });
      expect(page.status, uri).toBe(400);
      expect(page.location).toBeNull();
    }
  });
});

describe('persisted claims tokens', () => {
  it('UMA-CG-8 UMA-PCT-5 UMA-TOK-3 HU-35 "remember me" → the grant returns an opaque PCT; without it, none', async () => {
    const resourceId = await sharedWithBob();
    const plain = await gather(world, (await needInfoTicket(resourceId)).ticket);
    const withoutPct = await world.uma.grant(plain.params.ticket ?? '');
    expect(withoutPct.status).toBe(200);
    expect(withoutPct.body).not.toHaveProperty('pct');
    const remembered = await gather(world, (await needInfoTicket(resourceId)).ticket, {
      remember: true,
    });
    const withPct = await world.uma.grant(remembered.params.ticket ?? '');
    expect(withPct.status).toBe(200);
    const pct = String(withPct.body.pct);
    expect(pct).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(() => decodeToken(pct)).toThrow();
    expect(Buffer.from(pct, 'base64url').toString('latin1')).not.toContain('bob');
  });

  it('UMA-GRANT-6 UMA-PCT-1 a PCT satisfies the same claims for another resource, with no login', async () => {
    const pct = await rememberedPct();
    const second = await sharedWithBob();
    const answer = await world.uma.grant(await ticketOn(second), { pct });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const unshared = await registerResource(world.server, world.pat);
    const refused = await world.uma.grant(await ticketOn(unshared), { pct });
    expect(refused.body.error).toBe('request_denied');
    expect(refused.body).not.toHaveProperty('pct');
  });

  it('UMA-PCT-2 HU-35 another client presenting the PCT gains nothing; it still works for its own', async () => {
    const pct = await rememberedPct();
    const resourceId = await sharedWithBob();
    const other = await registerUmaApp(world.server, { client_name: 'Other app' });
    const theirs = await umaClient(world.server, other).grant(await ticketOn(resourceId), { pct });
    expect(theirs.body.error).toBe('need_info');
    const mine = await world.uma.grant(await ticketOn(resourceId), { pct });
    expect(mine.status).toBe(200);
  });

  it('UMA-PCT-3 the database holds only a hash of the PCT', async () => {
    const pct = await rememberedPct();
    const rows = await world.server.kardia.store.db.selectFrom('uma_pcts').selectAll().execute();
    expect(rows.some((row) => row.pct_hash === sha256(pct))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(pct);
  });

  it('UMA-PCT-4 UMA-REF-3 HU-24 HU-35 a PCT revoked with token_type_hint=pct no longer meets claims', async () => {
    const pct = await rememberedPct();
    const revoked = await postForm(`${world.server.url}/revoke`, {
      token: pct,
      token_type_hint: 'pct',
      ...(await assertionParams(world.app, `${world.server.url}/revoke`)),
    });
    expect(revoked.status).toBe(200);
    const answer = await world.uma.grant(await ticketOn(await sharedWithBob()), { pct });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('need_info');
  });

  it('UMA-ASSESS-5 a PCT whose claims are older than the PCT lifetime → need_info, not an RPT', async () => {
    const resourceId = await sharedWithBob(stale);
    const back = await gather(stale, (await needInfoTicket(resourceId, stale)).ticket, {
      remember: true,
    });
    const granted = await stale.uma.grant(back.params.ticket ?? '');
    const pct = String(granted.body.pct);
    expect((await stale.uma.grant(await ticketOn(resourceId, stale), { pct })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const later = await stale.uma.grant(await ticketOn(resourceId, stale), { pct });
    expect(later.status).toBe(403);
    expect(later.body.error).toBe('need_info');
  });
});

/** Runs claims gathering with "remember me" once and answers the PCT. */
async function rememberedPct(): Promise<string> {
  const resourceId = await sharedWithBob();
  const back = await gather(world, (await needInfoTicket(resourceId)).ticket, { remember: true });
  const answer = await world.uma.grant(back.params.ticket ?? '');
  expect(answer.status).toBe(200);
  return String(answer.body.pct);
}

/** A user agent that keeps everything it was sent: bodies, Location headers and cookies. */
class RecordingAgent extends UserAgent {
  readonly seen: string[] = [];

  override async request(pathOrUrl: string, init: RequestInit = {}): Promise<Response> {
    const response = await super.request(pathOrUrl, init);
    const body = await response.clone().text();
    this.seen.push(
      body,
      response.headers.get('location') ?? '',
      ...response.headers.getSetCookie(),
    );
    return response;
  }
}

describe('the RPT stays with the client', () => {
  it('UMA-SEC-1 UMA-SEC-2 nothing the requesting party’s browser receives holds the RPT or the PCT; the grant answer is a no-store Bearer', async () => {
    const resourceId = await sharedWithBob();
    const { ticket } = await needInfoTicket(resourceId);
    const agent = new RecordingAgent(world.server);
    const back = await gather(world, ticket, { agent, remember: true });
    const answer = await world.uma.grant(back.params.ticket ?? '');
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.token_type).toBe('Bearer');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const rpt = String(answer.body.access_token);
    const pct = String(answer.body.pct);
    expect(pct.length).toBeGreaterThan(20);

    // Afterwards the requesting party looks at everything Kardia shows them about themselves.
    for (const page of ['/account', '/account/apps', '/account/history', '/account/shares']) {
      expect((await agent.get(page)).status, page).toBe(200);
    }
    const everything = agent.seen.join('\n');
    expect(agent.seen.length).toBeGreaterThan(8);
    for (const secret of [rpt, pct, rpt.split('.')[2] ?? rpt]) {
      expect(everything).not.toContain(secret);
    }
    // Nor does the server's log hold them.
    const logs = world.server.logs.join('\n');
    expect(logs).not.toContain(rpt.split('.')[2]);
    expect(logs).not.toContain(pct);
  });
});
