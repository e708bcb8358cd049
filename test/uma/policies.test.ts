import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToken, expectNoStore, introspect, requestToken } from '../helpers/back-channel.js';
import { resourceServer, type TestClient } from '../helpers/clients.js';
import type { RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { ID_TOKEN_FORMAT, type UmaClient } from '../helpers/uma-client.js';
import { formFields, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import {
  call,
  createPolicy,
  emailClaim,
  endpoints,
  idTokenFor,
  introspectWithPat,
  linkOwner,
  policyToken,
  registerResource,
  registerResourceServerClient,
  registerUmaApp,
  ticketFor,
  umaClient,
} from './fixtures.js';

/**
 * The owner's side (heart-uma2.md Part 3.7 to 3.9): the policy API, the owner's resource list,
 * access requests, and revocation that really revokes; introspection of RPTs (F§5) and their
 * refresh (UMA grant §3.6).
 */
let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let rs: RegisteredClient;
let pat: string;
let bobPat: string;
let aliceToken: string;
let bobToken: string;
let app: RegisteredClient;
let introspector: TestClient;
let bobIdToken: string;
let carolIdToken: string;
let uma: UmaClient;
let urls: ReturnType<typeof endpoints>;

beforeAll(async () => {
  server = await startKardia();
  urls = endpoints(server);
  alice = await createTestUser(server, { name: 'Alice', email: 'alice@example.org' });
  bob = await createTestUser(server, { name: 'Bob', email: 'bob@example.org' });
  carol = await createTestUser(server, { name: 'Carol', email: 'carol@example.org' });
  rs = await registerResourceServerClient(server);
  ({ pat } = await linkOwner(server, rs, alice));
  ({ pat: bobPat } = await linkOwner(server, rs, bob));
  aliceToken = await policyToken(server, alice);
  bobToken = await policyToken(server, bob);
  app = await registerUmaApp(server);
  introspector = await resourceServer(server);
  bobIdToken = await idTokenFor(server, app, bob);
  carolIdToken = await idTokenFor(server, app, carol);
  uma = umaClient(server, app);
});
afterAll(() => server.close());

const push = (token: string) => ({ claim_token: token, claim_token_format: ID_TOKEN_FORMAT });
const bobsEmail = () => [emailClaim(server, 'bob@example.org')];

const grantPolicy = (resourceIds: string[], scopes = ['read']) => ({
  resource_ids: resourceIds,
  resource_scopes: scopes,
  required_claims: bobsEmail(),
  mode: 'grant',
});

/** A fresh resource shared with Bob, and an RPT Bob's app obtained for it. */
async function bobHoldsRpt(scopes = ['read']) {
  const resourceId = await registerResource(server, pat);
  const policyId = await createPolicy(server, aliceToken, grantPolicy([resourceId], scopes));
  const ticket = await ticketFor(server, pat, { resource_id: resourceId, resource_scopes: scopes });
  const answer = await uma.grant(ticket, push(bobIdToken));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return {
    resourceId,
    policyId,
    rpt: String(answer.body.access_token),
    refresh: String(answer.body.refresh_token),
  };
}

const active = async (token: string) => (await introspectWithPat(server, pat, token)).body.active;

describe('the policy API', () => {
  it('Part 3.7 create → 201 + Location; read, replace, list by resource, delete → 204', async () => {
    const resourceId = await registerResource(server, pat);
    const created = await call(urls.policies, 'POST', aliceToken, {
      ...grantPolicy([resourceId]),
      description: 'Bob may read my lab results',
    });
    expect(created.status).toBe(201);
    expectNoStore(created.headers);
    const id = String(created.json.id);
    expect(created.headers.get('location')).toBe(`${urls.policies}/${id}`);
    expect((await call(`${urls.policies}/${id}`, 'GET', aliceToken)).json).toMatchObject({
      id,
      resource_ids: [resourceId],
      mode: 'grant',
      description: 'Bob may read my lab results',
    });
    const replaced = await call(`${urls.policies}/${id}`, 'PUT', aliceToken, {
      ...grantPolicy([resourceId], ['read', 'write']),
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json.resource_scopes).toEqual(['read', 'write']);
    const listed = await call(`${urls.policies}?resource_id=${resourceId}`, 'GET', aliceToken);
    expect((listed.body as { id: string }[]).map((p) => p.id)).toEqual([id]);
    expect((await call(`${urls.policies}/${id}`, 'DELETE', aliceToken)).status).toBe(204);
    expect((await call(`${urls.policies}/${id}`, 'GET', aliceToken)).status).toBe(404);
  });

  it('Part 3.7 bad shapes → 400 invalid_request; foreign resources and unregistered scopes refused', async () => {
    const resourceId = await registerResource(server, pat, { resource_scopes: ['read'] });
    const bobsResource = await registerResource(server, bobPat);
    for (const body of [
      { ...grantPolicy([resourceId]), mode: 'maybe' },
      { ...grantPolicy([]) },
      { ...grantPolicy([resourceId]), required_claims: [] },
      { ...grantPolicy([resourceId]), required_claims: [{ value: 'x' }] },
      { ...grantPolicy([resourceId]), exp: 1 },
      'not json',
    ]) {
      const answer = await call(urls.policies, 'POST', aliceToken, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.error).toBe('invalid_request');
    }
    const foreign = await call(urls.policies, 'POST', aliceToken, grantPolicy([bobsResource]));
    expect(foreign.json.error).toBe('invalid_resource_id');
    const scope = await call(
      urls.policies,
      'POST',
      aliceToken,
      grantPolicy([resourceId], ['write']),
    );
    expect(scope.json.error).toBe('invalid_scope');
    const denyAll = await call(urls.policies, 'POST', aliceToken, {
      resource_ids: [resourceId],
      resource_scopes: ['read'],
      mode: 'deny',
    });
    expect(denyAll.status).toBe(201);
  });

  it("Part 3.7 another owner's policy id is 404 not_found", async () => {
    const resourceId = await registerResource(server, pat);
    const id = await createPolicy(server, aliceToken, grantPolicy([resourceId]));
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const body = method === 'PUT' ? grantPolicy([resourceId]) : undefined;
      const answer = await call(`${urls.policies}/${id}`, method, bobToken, body);
      expect(answer.status, method).toBe(404);
      expect(answer.json.error).toBe('not_found');
    }
  });

  it('UMA-POL-2 the RS cannot set policy: a PAT → 403 insufficient_scope; no credentials → 401', async () => {
    const resourceId = await registerResource(server, pat);
    const withPat = await call(urls.policies, 'POST', pat, grantPolicy([resourceId]));
    expect(withPat.status).toBe(403);
    expect(withPat.json.error).toBe('insufficient_scope');
    expect(withPat.headers.get('www-authenticate')).toContain('scope="uma_policy"');
    const anonymous = await call(urls.policies, 'GET');
    expect(anonymous.status).toBe(401);
  });

  it('Part 3.7 the dashboard session works with its CSRF token, and is refused without it', async () => {
    const resourceId = await registerResource(server, pat);
    const agent = new UserAgent(server);
    await agent.signIn(alice.username, alice.password);
    const home = await (await agent.get('/account')).text();
    const csrf = formFields(home, 'action="/account/logout"').csrf_token ?? '';
    const body = JSON.stringify(grantPolicy([resourceId]));
    const json = { 'content-type': 'application/json' };
    const refused = await agent.request(urls.policies, { method: 'POST', headers: json, body });
    expect(refused.status).toBe(403);
    const created = await agent.request(urls.policies, {
      method: 'POST',
      headers: { ...json, 'x-csrf-token': csrf },
      body,
    });
    expect(created.status).toBe(201);
    const listed = await agent.request(urls.policies);
    expect(listed.status).toBe(200);
  });

  it("Part 3.7 the owner's resources endpoint lists every resource in the owner's name", async () => {
    const resourceId = await registerResource(server, pat, { name: 'Conditions' });
    const answer = await call(urls.ownerResources, 'GET', aliceToken);
    expect(answer.status).toBe(200);
    const mine = (answer.body as Record<string, unknown>[]).find((r) => r._id === resourceId);
    expect(mine).toMatchObject({
      name: 'Conditions',
      resource_scopes: ['read', 'write'],
      resource_server: rs.clientId,
    });
    const bobs = await call(urls.ownerResources, 'GET', bobToken);
    expect((bobs.body as Record<string, unknown>[]).some((r) => r._id === resourceId)).toBe(false);
  });
});

describe('revocation when the owner narrows access', () => {
  it('HU-38 UMA-REF-4 UMA-POL-3 deleting a policy ends its RPT and refresh token at once', async () => {
    const { policyId, rpt, refresh } = await bobHoldsRpt();
    expect(await active(rpt)).toBe(true);
    await call(`${urls.policies}/${policyId}`, 'DELETE', aliceToken);
    expect(await active(rpt)).toBe(false);
    expect((await introspect(server, introspector, rpt)).body).toEqual({ active: false });
    const refreshed = await requestToken(server, app, {
      grant_type: 'refresh_token',
      refresh_token: refresh,
    });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('Part 3.9 narrowing a policy revokes; widening it revokes nothing', async () => {
    const wide = await bobHoldsRpt();
    const widened = await call(`${urls.policies}/${wide.policyId}`, 'PUT', aliceToken, {
      ...grantPolicy([wide.resourceId], ['read', 'write']),
      description: 'wider',
    });
    expect(widened.status).toBe(200);
    expect(await active(wide.rpt)).toBe(true);
    for (const narrower of [
      { ...grantPolicy([wide.resourceId], ['read']), mode: 'ask' },
      { ...grantPolicy([wide.resourceId]), exp: Math.floor(Date.now() / 1000) + 3600 },
    ]) {
      const held = await bobHoldsRpt();
      await call(`${urls.policies}/${held.policyId}`, 'PUT', aliceToken, {
        ...narrower,
        resource_ids: [held.resourceId],
      });
      expect(await active(held.rpt), JSON.stringify(narrower)).toBe(false);
    }
  });

  it('Part 3.9 the RS deleting a resource ends the RPTs holding it', async () => {
    const { resourceId, rpt } = await bobHoldsRpt();
    expect((await call(`${urls.resources}/${resourceId}`, 'DELETE', pat)).status).toBe(204);
    expect(await active(rpt)).toBe(false);
  });
});

describe('access requests', () => {
  /** A resource under an `ask` policy; Carol's app gets request_submitted. */
  async function carolAsks(scopes = ['read', 'write']) {
    const resourceId = await registerResource(server, pat);
    await createPolicy(server, aliceToken, {
      resource_ids: [resourceId],
      resource_scopes: ['read', 'write'],
      required_claims: [{ name: 'email', issuer: [server.url] }],
      mode: 'ask',
    });
    const ticket = await ticketFor(server, pat, {
      resource_id: resourceId,
      resource_scopes: scopes,
    });
    const answer = await uma.grant(ticket, push(carolIdToken));
    expect(answer.body.error).toBe('request_submitted');
    const pending = await call(`${urls.requests}?status=pending`, 'GET', aliceToken);
    const request = (pending.body as Record<string, unknown>[]).find((r) =>
      JSON.stringify(r.permissions).includes(resourceId),
    );
    expect(request).toBeTruthy();
    return { resourceId, ticket: String(answer.body.ticket), request: request ?? {} };
  }

  it('Part 3.8 the pending request names the requesting party, the client and its registration', async () => {
    const { request } = await carolAsks();
    expect(request).toMatchObject({
      status: 'pending',
      requesting_party: { iss: server.url, sub: carol.sub, email: 'carol@example.org' },
      client: { client_id: app.clientId, client_name: 'Care app', registration: 'dynamic' },
    });
    expect((await call(`${urls.requests}/${String(request.id)}`, 'GET', bobToken)).status).toBe(
      404,
    );
  });

  it('Part 3.8 approving in part: the next poll gets an RPT for exactly what was approved', async () => {
    const { resourceId, ticket, request } = await carolAsks(['read', 'write']);
    const settled = await call(`${urls.requests}/${String(request.id)}`, 'POST', aliceToken, {
      decision: 'allow',
      resource_scopes: ['read'],
    });
    expect(settled.status).toBe(200);
    expect(settled.json.status).toBe('allowed');
    expect(settled.json.policy_id).toBeTruthy();
    const next = await uma.grant(ticket);
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect(decodeToken(String(next.body.access_token)).payload.permissions).toEqual([
      { resource_id: resourceId, resource_scopes: ['read'] },
    ]);
    const twice = await call(`${urls.requests}/${String(request.id)}`, 'POST', aliceToken, {
      decision: 'deny',
    });
    expect(twice.status).toBe(400);
  });

  it('Part 3.8 deny (a form post with decision=deny) closes the request: the next poll is request_denied', async () => {
    const { ticket, request } = await carolAsks(['read']);
    const response = await fetch(`${urls.requests}/${String(request.id)}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${aliceToken}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'decision=deny',
    });
    expect(response.status).toBe(200);
    const next = await uma.grant(ticket);
    expect(next.status).toBe(403);
    expect(next.body.error).toBe('request_denied');
    const denied = await call(`${urls.requests}?status=denied`, 'GET', aliceToken);
    expect((denied.body as { id: string }[]).some((r) => r.id === request.id)).toBe(true);
  });

  it('Part 3.8 a decision other than allow or deny is refused', async () => {
    const { request } = await carolAsks(['read']);
    const answer = await call(`${urls.requests}/${String(request.id)}`, 'POST', aliceToken, {
      decision: 'maybe',
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe('invalid_request');
  });
});

describe('RPT introspection and refresh', () => {
  it('UMA-INTRO-1 HU-21 introspection needs credentials; a PAT or the RS assertion both work', async () => {
    const { rpt } = await bobHoldsRpt();
    const none = await fetch(urls.introspect, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: rpt }).toString(),
    });
    expect(none.status).toBe(401);
    expect((await introspectWithPat(server, pat, rpt)).status).toBe(200);
    expect((await introspect(server, introspector, rpt)).body.active).toBe(true);
    const notPat = await introspectWithPat(server, rpt, rpt);
    expect(notPat.status).toBe(401);
    expect(notPat.body.error).toBe('invalid_client');
  });

  it('UMA-INTRO-2 HU-22 an active RPT: permissions with resource_id and resource_scopes, no scope', async () => {
    const { resourceId, rpt } = await bobHoldsRpt();
    const answer = await introspectWithPat(server, pat, rpt);
    expect(answer.body.active).toBe(true);
    expect(answer.body.permissions).toEqual([
      { resource_id: resourceId, resource_scopes: ['read'] },
    ]);
    expect(answer.body).not.toHaveProperty('scope');
    expectNoStore(answer.headers);
  });

  it('UMA-INTRO-3 garbage, or a revoked RPT → {"active":false} and nothing else', async () => {
    expect((await introspectWithPat(server, pat, 'garbage')).body).toEqual({ active: false });
    const { rpt } = await bobHoldsRpt();
    const revoked = await requestToken(server, app, { grant_type: 'x' });
    expect(revoked.status).toBe(400);
    const { postForm, assertionParams } = await import('../helpers/clients.js');
    await postForm(`${server.url}/revoke`, {
      token: rpt,
      ...(await assertionParams(app, `${server.url}/revoke`)),
    });
    expect((await introspectWithPat(server, pat, rpt)).body).toEqual({ active: false });
  });

  it('UMA-INTRO-4 an ordinary access token gets the plain answer: scope, no permissions', async () => {
    const answer = await introspectWithPat(server, pat, aliceToken);
    expect(answer.body).toMatchObject({ active: true, scope: 'uma_policy' });
    expect(answer.body).not.toHaveProperty('permissions');
  });

  it("UMA-INTRO-5 an RS with owner B's PAT sees nothing of an RPT for owner A", async () => {
    const { rpt } = await bobHoldsRpt();
    expect((await introspectWithPat(server, bobPat, rpt)).body).toEqual({ active: false });
  });

  it('UMA-REF-1 UMA-REF-2 HU-37 refresh gives a new RPT with the same permissions, without assessing again', async () => {
    const { resourceId, rpt, refresh } = await bobHoldsRpt();
    // An unrelated policy change, and a deny policy on another scope: neither is assessed.
    const other = await registerResource(server, pat);
    await createPolicy(server, aliceToken, grantPolicy([other]));
    const refreshed = await requestToken(server, app, {
      grant_type: 'refresh_token',
      refresh_token: refresh,
    });
    expect(refreshed.status).toBe(200);
    const newRpt = String(refreshed.body.access_token);
    expect(newRpt).not.toBe(rpt);
    expect(refreshed.body).not.toHaveProperty('scope');
    const answer = await introspectWithPat(server, pat, newRpt);
    expect(answer.body.permissions).toEqual([
      { resource_id: resourceId, resource_scopes: ['read'] },
    ]);
    const { payload } = decodeToken(newRpt);
    expect(payload.aud).toContain(rs.clientId);
    expect(Number(payload.exp) - Number(payload.iat)).toBeLessThanOrEqual(3600);
    const refreshClaims = decodeToken(String(refreshed.body.refresh_token)).payload;
    expect(Number(refreshClaims.exp) - Number(refreshClaims.iat)).toBeLessThanOrEqual(86_400);
  });

  it('HU-37 a client not registered for refresh_token never receives one', async () => {
    const single = await registerUmaApp(server, {
      grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:uma-ticket'],
    });
    const resourceId = await registerResource(server, pat);
    await createPolicy(server, aliceToken, grantPolicy([resourceId]));
    const ticket = await ticketFor(server, pat, {
      resource_id: resourceId,
      resource_scopes: ['read'],
    });
    const answer = await umaClient(server, single).grant(
      ticket,
      push(await idTokenFor(server, single, bob)),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty('refresh_token');
  });
});
