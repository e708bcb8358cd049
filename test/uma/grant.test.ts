import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToken, expectNoStore } from '../helpers/back-channel.js';
import { clientAssertion, makeKeyPair, postForm } from '../helpers/clients.js';
import { postRegistration, type RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { ID_TOKEN_FORMAT, UMA_TICKET_GRANT, type UmaClient } from '../helpers/uma-client.js';
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
 * The uma-ticket grant (UMA grant §3.3): tickets, pushed ID tokens, assessment in Part 3.7's
 * order, the RPT and its upgrade, and every error the grant answers.
 */
let server: TestServer;
let short: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let rs: RegisteredClient;
let pat: string;
let aliceToken: string;
let app: RegisteredClient;
let otherApp: RegisteredClient;
let bobIdToken: string;
let carolIdToken: string;
let uma: UmaClient;

beforeAll(async () => {
  server = await startKardia();
  short = await startKardia({ umaTicketTtl: 1 });
  alice = await createTestUser(server, { name: 'Alice', email: 'alice@example.org' });
  bob = await createTestUser(server, { name: 'Bob', email: 'bob@example.org' });
  carol = await createTestUser(server, { name: 'Carol', email: 'carol@example.org' });
  rs = await registerResourceServerClient(server);
  ({ pat } = await linkOwner(server, rs, alice));
  aliceToken = await policyToken(server, alice);
  app = await registerUmaApp(server);
  otherApp = await registerUmaApp(server, { client_name: 'Other app' });
  bobIdToken = await idTokenFor(server, app, bob);
  carolIdToken = await idTokenFor(server, app, carol);
  uma = umaClient(server, app);
});
afterAll(async () => {
  await server.close();
  await short.close();
});

const push = (token: string) => ({ claim_token: token, claim_token_format: ID_TOKEN_FORMAT });

/** A resource of Alice's shared with Bob's verified email by a `grant` policy on `scopes`. */
async function sharedWithBob(scopes = ['read'], registered = ['read', 'write']) {
  const resourceId = await registerResource(server, pat, { resource_scopes: registered });
  const policyId = await createPolicy(server, aliceToken, {
    resource_ids: [resourceId],
    resource_scopes: scopes,
    required_claims: [emailClaim(server, 'bob@example.org')],
    mode: 'grant',
  });
  return { resourceId, policyId };
}

const ticketOn = (resourceId: string, scopes = ['read']) =>
  ticketFor(server, pat, { resource_id: resourceId, resource_scopes: scopes });

/** Posts a raw form to /token as `client` (for repeated parameters). */
async function rawGrant(client: RegisteredClient, body: string) {
  const assertion = await clientAssertion(client, endpoints(server).token);
  const response = await fetch(endpoints(server).token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `${body}&${new URLSearchParams({
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }).toString()}`,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('a successful grant', () => {
  it('UMA-GRANT-1 UMA-GRANT-4 HU-25 UMA-ASSESS-2 a pushed Kardia ID token meets an email policy → 200 RPT', async () => {
    const { resourceId } = await sharedWithBob();
    const answer = await uma.grant(await ticketOn(resourceId), push(bobIdToken));
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const live = await introspectWithPat(server, pat, String(answer.body.access_token));
    expect(live.body.permissions).toEqual([{ resource_id: resourceId, resource_scopes: ['read'] }]);
  });

  it('UMA-TOK-1 UMA-TOK-2 UMA-SEC-2 200 JSON, Bearer, no-store, and no scope member', async () => {
    const { resourceId } = await sharedWithBob();
    const answer = await uma.grant(await ticketOn(resourceId), push(bobIdToken));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expectNoStore(answer.headers);
    expect(answer.body.token_type).toBe('Bearer');
    expect(answer.body).not.toHaveProperty('scope');
    expect(answer.body).not.toHaveProperty('upgraded');
  });

  it('HU-20 HU-23 HU-3 the RPT is a compact RS256 JWT of the AS, at most an hour long', async () => {
    const { resourceId } = await sharedWithBob();
    const first = await uma.grant(await ticketOn(resourceId), push(bobIdToken));
    const second = await uma.grant(await ticketOn(resourceId), push(bobIdToken));
    const rpt = String(first.body.access_token);
    expect(rpt.split('.')).toHaveLength(3);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(rpt, jwks, { issuer: server.url });
    expect(protectedHeader.alg).toBe('RS256');
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({ iss: server.url, azp: app.clientId, sub: bob.sub });
    expect(payload.aud).toContain(rs.clientId);
    expect(String(payload.jti).length).toBeGreaterThanOrEqual(22);
    expect(payload.jti).not.toBe(decodeToken(String(second.body.access_token)).payload.jti);
    expect(Number(payload.exp) - Number(payload.iat)).toBeLessThanOrEqual(3600);
    expect(Number(first.body.expires_in)).toBeLessThanOrEqual(3600);
  });

  it('UMA-GRANT-8 a ticket with no scope and scope=read from a client registered for read → RPT with read', async () => {
    const { resourceId } = await sharedWithBob();
    const ticket = await ticketOn(resourceId, []);
    const answer = await uma.grant(ticket, { ...push(bobIdToken), scope: 'read' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(decodeToken(String(answer.body.access_token)).payload.permissions).toEqual([
      { resource_id: resourceId, resource_scopes: ['read'] },
    ]);
  });

  it('UMA-ASSESS-1 Requested = ticket scopes ∪ (scope parameter ∩ registered): read + write', async () => {
    const { resourceId } = await sharedWithBob(['read', 'write']);
    const answer = await uma.grant(await ticketOn(resourceId, ['read']), {
      ...push(bobIdToken),
      scope: 'write',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const [permission] = decodeToken(String(answer.body.access_token)).payload
      .permissions as Record<string, unknown>[];
    expect(permission?.resource_scopes).toEqual(['read', 'write']);
  });

  it('UMA-PERM-2 a ticket for two resources yields one RPT for both', async () => {
    const first = await sharedWithBob();
    const second = await sharedWithBob();
    const ticket = await ticketFor(server, pat, [
      { resource_id: first.resourceId, resource_scopes: ['read'] },
      { resource_id: second.resourceId, resource_scopes: ['read'] },
    ]);
    const answer = await uma.grant(ticket, push(bobIdToken));
    expect(answer.status).toBe(200);
    const permissions = decodeToken(String(answer.body.access_token)).payload.permissions;
    expect(permissions).toHaveLength(2);
  });
});

describe('upgrading an RPT', () => {
  it('UMA-GRANT-7 UMA-TOK-4 UMA-TOK-5 HU-36 an upgrade holds old and new permissions and ends the old RPT', async () => {
    const r1 = await sharedWithBob();
    const r2 = await sharedWithBob();
    const old = await uma.grant(await ticketOn(r1.resourceId), push(bobIdToken));
    const oldRpt = String(old.body.access_token);
    const upgraded = await uma.grant(await ticketOn(r2.resourceId), {
      ...push(bobIdToken),
      rpt: oldRpt,
    });
    expect(upgraded.status).toBe(200);
    expect(upgraded.body.upgraded).toBe(true);
    const newRpt = String(upgraded.body.access_token);
    expect(newRpt).not.toBe(oldRpt);
    const live = await introspectWithPat(server, pat, newRpt);
    const ids = (live.body.permissions as { resource_id: string }[]).map((p) => p.resource_id);
    expect(ids.sort()).toEqual([r1.resourceId, r2.resourceId].sort());
    expect((await introspectWithPat(server, pat, oldRpt)).body).toEqual({ active: false });
  });

  it('UMA-TOK-6 HU-36 upgrades behave the same each time; a foreign or revoked RPT is ignored', async () => {
    const r1 = await sharedWithBob();
    const r2 = await sharedWithBob();
    const base = await uma.grant(await ticketOn(r1.resourceId), push(bobIdToken));
    const up1 = await uma.grant(await ticketOn(r2.resourceId), {
      ...push(bobIdToken),
      rpt: String(base.body.access_token),
    });
    const up2 = await uma.grant(await ticketOn(r1.resourceId), {
      ...push(bobIdToken),
      rpt: String(up1.body.access_token),
    });
    expect([up1.body.upgraded, up2.body.upgraded]).toEqual([true, true]);
    // The RPT that was just upgraded is revoked: offering it again upgrades nothing.
    const again = await uma.grant(await ticketOn(r2.resourceId), {
      ...push(bobIdToken),
      rpt: String(up1.body.access_token),
    });
    expect(again.status).toBe(200);
    expect(again.body).not.toHaveProperty('upgraded');
    const foreign = await umaClient(server, otherApp).grant(await ticketOn(r2.resourceId), {
      ...push(await idTokenFor(server, otherApp, bob)),
      rpt: String(up2.body.access_token),
    });
    expect(foreign.status).toBe(200);
    expect(foreign.body).not.toHaveProperty('upgraded');
  });
});

describe('tickets', () => {
  it('UMA-TKT-1 tickets are distinct and at least 43 base64url characters', async () => {
    const { resourceId } = await sharedWithBob();
    const tickets = new Set<string>();
    for (let i = 0; i < 30; i++) tickets.add(await ticketOn(resourceId));
    expect(tickets.size).toBe(30);
    for (const ticket of tickets) expect(ticket).toMatch(/^[A-Za-z0-9_-]{43,}$/);
  });

  it('UMA-TKT-2 UMA-ERR-1 HU-30 a second presentation → 400 invalid_grant', async () => {
    const resourceId = await registerResource(server, pat);
    const ticket = await ticketOn(resourceId);
    const first = await uma.grant(ticket);
    expect(first.status).toBe(403);
    const again = await uma.grant(ticket);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    expect((await uma.grant('made-up-ticket')).body.error).toBe('invalid_grant');
  });

  it('UMA-TKT-2 HU-30 a ticket older than its lifetime → 400 invalid_grant', async () => {
    const owner = await createTestUser(short);
    const shortRs = await registerResourceServerClient(short);
    const shortApp = await registerUmaApp(short);
    const { pat: shortPat } = await linkOwner(short, shortRs, owner);
    const resourceId = await registerResource(short, shortPat);
    const ticket = await ticketFor(short, shortPat, {
      resource_id: resourceId,
      resource_scopes: ['read'],
    });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const answer = await umaClient(short, shortApp).grant(ticket);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_grant');
  });

  it('UMA-TKT-3 UMA-ERR-3 HU-30 three continuations hand out three distinct tickets', async () => {
    const { resourceId } = await sharedWithBob();
    const tickets = [await ticketOn(resourceId)];
    for (let i = 0; i < 3; i++) {
      const answer = await uma.grant(tickets[tickets.length - 1] ?? '');
      expect(answer.status).toBe(403);
      expect(answer.body.error).toBe('need_info');
      tickets.push(String(answer.body.ticket));
    }
    expect(new Set(tickets).size).toBe(4);
  });

  it('UMA-TKT-5 HU-30 replaying a ticket that produced an RPT revokes that RPT', async () => {
    const { resourceId } = await sharedWithBob();
    const ticket = await ticketOn(resourceId);
    const granted = await uma.grant(ticket, push(bobIdToken));
    const rpt = String(granted.body.access_token);
    expect((await introspectWithPat(server, pat, rpt)).body.active).toBe(true);
    const replay = await uma.grant(ticket, push(bobIdToken));
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect((await introspectWithPat(server, pat, rpt)).body).toEqual({ active: false });
  });

  it('Part 3.3 a continuation ticket is valid only for the client the chain is bound to', async () => {
    const { resourceId } = await sharedWithBob();
    const first = await uma.grant(await ticketOn(resourceId));
    const next = String(first.body.ticket);
    const stolen = await umaClient(server, otherApp).grant(next, push(bobIdToken));
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
    // Not spent by the thief: the rightful client still completes.
    expect((await uma.grant(next, push(bobIdToken))).status).toBe(200);
  });
});

describe('request errors', () => {
  it('UMA-GRANT-2 no ticket → 400 invalid_request', async () => {
    const answer = await rawGrant(app, `grant_type=${encodeURIComponent(UMA_TICKET_GRANT)}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
  });

  it('UMA-GRANT-3 claim_token and claim_token_format travel together', async () => {
    const { resourceId } = await sharedWithBob();
    for (const params of [{ claim_token: bobIdToken }, { claim_token_format: ID_TOKEN_FORMAT }]) {
      const answer = await uma.grant(await ticketOn(resourceId), params);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
    }
  });

  it('UMA-GRANT-5 two claim_token parameters → 400 invalid_request', async () => {
    const { resourceId } = await sharedWithBob();
    const ticket = await ticketOn(resourceId);
    const body = new URLSearchParams([
      ['grant_type', UMA_TICKET_GRANT],
      ['ticket', ticket],
      ['claim_token', bobIdToken],
      ['claim_token', bobIdToken],
      ['claim_token_format', ID_TOKEN_FORMAT],
    ]).toString();
    const answer = await rawGrant(app, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
  });

  it('UMA-ERR-2 UMA-REG-4 an unknown or unregistered scope → 400 invalid_scope', async () => {
    const { resourceId } = await sharedWithBob(['read', 'write']);
    const unknown = await uma.grant(await ticketOn(resourceId), {
      ...push(bobIdToken),
      scope: 'unknown',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid_scope');
    const readOnly = await registerUmaApp(server, { scope: 'openid read' });
    const readOnlyToken = await idTokenFor(server, readOnly, bob);
    const notRegistered = await umaClient(server, readOnly).grant(await ticketOn(resourceId), {
      ...push(readOnlyToken),
      scope: 'write',
    });
    expect(notRegistered.status).toBe(400);
    expect(notRegistered.body.error).toBe('invalid_scope');
  });

  it('UMA-ERR-7 bad assertion → 401 invalid_client; no UMA grant → unauthorized_client; unknown grant', async () => {
    const { resourceId } = await sharedWithBob();
    const forged = await postForm(endpoints(server).token, {
      grant_type: UMA_TICKET_GRANT,
      ticket: await ticketOn(resourceId),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(
        { clientId: app.clientId, keys: await makeKeyPair() },
        endpoints(server).token,
      ),
    });
    expect(forged.status).toBe(401);
    expect(forged.body.error).toBe('invalid_client');
    const codeOnly = await registerUmaApp(server, {
      grant_types: ['authorization_code'],
      claims_redirect_uris: undefined,
    });
    const refused = await umaClient(server, codeOnly).grant(await ticketOn(resourceId));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('unauthorized_client');
    const unknown = await rawGrant(app, 'grant_type=urn%3Aexample%3Aunknown');
    expect(unknown.body.error).toBe('unsupported_grant_type');
  });

  it('HU-3 a JSON-serialized client assertion → 401 invalid_client', async () => {
    const compact = await clientAssertion(app, endpoints(server).token);
    const [protectedHeader, payload, signature] = compact.split('.');
    const answer = await postForm(endpoints(server).token, {
      grant_type: UMA_TICKET_GRANT,
      ticket: 'x',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: JSON.stringify({ protected: protectedHeader, payload, signature }),
    });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('invalid_client');
  });
});

describe('assessment', () => {
  it('UMA-ASSESS-4 UMA-POL-1 HU-39 a resource with no policy → 403 request_denied, full claims or not', async () => {
    const resourceId = await registerResource(server, pat);
    for (const params of [{}, push(bobIdToken)]) {
      const answer = await uma.grant(await ticketOn(resourceId), params);
      expect(answer.status).toBe(403);
      expect(answer.body.error).toBe('request_denied');
      expect(answer.body).not.toHaveProperty('access_token');
    }
  });

  it('UMA-ASSESS-3 Part 3.10 no partial grant: read allowed, write not → 403 and no RPT', async () => {
    const { resourceId } = await sharedWithBob(['read']);
    const answer = await uma.grant(await ticketOn(resourceId, ['read', 'write']), push(bobIdToken));
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('request_denied');
  });

  it('UMA-ERR-3 UMA-ERR-4 need_info: a new ticket, required_claims without values, and redirect_user', async () => {
    const { resourceId } = await sharedWithBob();
    const ticket = await ticketOn(resourceId);
    const answer = await uma.grant(ticket);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('need_info');
    expectNoStore(answer.headers);
    expect(answer.body.ticket).not.toBe(ticket);
    expect(answer.body.required_claims).toEqual([
      {
        name: 'email',
        claim_token_format: expect.arrayContaining([ID_TOKEN_FORMAT]),
        issuer: [server.url],
      },
    ]);
    expect(JSON.stringify(answer.body)).not.toContain('bob@example.org');
    expect(answer.body.redirect_user).toBe(`${server.url}/uma/claims`);
  });

  it('UMA-ERR-5 a deny policy matching the requesting party → 403 request_denied, over a grant', async () => {
    const { resourceId } = await sharedWithBob();
    await createPolicy(server, aliceToken, {
      resource_ids: [resourceId],
      resource_scopes: ['read'],
      required_claims: [emailClaim(server, 'bob@example.org')],
      mode: 'deny',
    });
    const answer = await uma.grant(await ticketOn(resourceId), push(bobIdToken));
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('request_denied');
  });

  it('Part 3.7 a requesting party whose claims cannot meet any policy gets request_denied, not need_info', async () => {
    const { resourceId } = await sharedWithBob();
    const answer = await uma.grant(await ticketOn(resourceId), push(carolIdToken));
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('request_denied');
  });

  it('Part 3.7 an expired policy is ignored', async () => {
    const resourceId = await registerResource(server, pat);
    const now = Math.floor(Date.now() / 1000);
    await createPolicy(server, aliceToken, {
      resource_ids: [resourceId],
      resource_scopes: ['read'],
      required_claims: [emailClaim(server, 'bob@example.org')],
      mode: 'grant',
      exp: now + 2,
    });
    const soon = await uma.grant(await ticketOn(resourceId), push(bobIdToken));
    expect(soon.status).toBe(200);
    const [permission] = decodeToken(String(soon.body.access_token)).payload.permissions as Record<
      string,
      unknown
    >[];
    expect(permission?.exp).toBe(now + 2);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const later = await uma.grant(await ticketOn(resourceId), push(bobIdToken));
    expect(later.body.error).toBe('request_denied');
  });
});

describe('owner approval', () => {
  it('UMA-ERR-6 HU-40 UMA-TKT-4 ask → request_submitted with interval 5; polls after the interval; approval → RPT', async () => {
    const resourceId = await registerResource(server, pat);
    await createPolicy(server, aliceToken, {
      resource_ids: [resourceId],
      resource_scopes: ['read'],
      required_claims: [{ name: 'email', issuer: [server.url] }],
      mode: 'ask',
    });
    const ticket = await ticketOn(resourceId);
    const first = await uma.grant(ticket, push(carolIdToken));
    expect(first.status).toBe(403);
    expect(first.body).toMatchObject({ error: 'request_submitted', interval: 5 });
    expect(first.body.ticket).not.toBe(ticket);
    expect(first.body).not.toHaveProperty('pct');
    // Polling sooner gets request_submitted again with a new ticket; still one pending request.
    const early = await uma.grant(String(first.body.ticket));
    expect(early.body.error).toBe('request_submitted');
    expect(early.body.ticket).not.toBe(first.body.ticket);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const polled = await uma.grant(String(early.body.ticket));
    expect(polled.body.error).toBe('request_submitted');
    const pending = await call(`${endpoints(server).requests}?status=pending`, 'GET', aliceToken);
    const mine = (pending.body as Record<string, unknown>[]).filter((r) =>
      JSON.stringify(r.permissions).includes(resourceId),
    );
    expect(mine).toHaveLength(1);
    const approved = await call(
      `${endpoints(server).requests}/${String(mine[0]?.id)}`,
      'POST',
      aliceToken,
      {
        decision: 'allow',
      },
    );
    expect(approved.status).toBe(200);
    const after = await uma.grant(String(polled.body.ticket));
    expect(after.status, JSON.stringify(after.body)).toBe(200);
  });
});

describe('registration rules for UMA clients', () => {
  it('HU-10 HU-12 no keys, a secret method or a mixed grant set is refused; password is unsupported', async () => {
    const noKeys = await postRegistration(server, {
      grant_types: [UMA_TICKET_GRANT],
      claims_redirect_uris: ['https://app.example/claims'],
    });
    expect(noKeys.status).toBe(400);
    expect(noKeys.body.error).toBe('invalid_client_metadata');
    const keys = await makeKeyPair();
    const mixed = await postRegistration(server, {
      grant_types: ['authorization_code', 'client_credentials'],
      redirect_uris: ['https://app.example/cb'],
      jwks: keys.jwks,
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.error).toBe('invalid_client_metadata');
    const ok = await postRegistration(server, { grant_types: [UMA_TICKET_GRANT], jwks: keys.jwks });
    expect(ok.status).toBe(201);
    expect(ok.body).not.toHaveProperty('client_secret');
    const password = await rawGrant(app, 'grant_type=password&username=a&password=b');
    expect(password.body.error).toBe('unsupported_grant_type');
  });

  it('HU-2 ID tokens from Kardia are RS256 with a kid and live five minutes', () => {
    const { header, payload } = decodeToken(bobIdToken);
    expect(header.alg).toBe('RS256');
    expect(header.kid).toBeTruthy();
    expect(Number(payload.exp) - Number(payload.iat)).toBeLessThanOrEqual(300);
  });
});
