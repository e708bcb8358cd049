import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoStore, introspect, requestToken } from '../helpers/back-channel.js';
import {
  assertionParams,
  postForm,
  resourceServer,
  staticClientCredentialsClient,
  type TestClient,
} from '../helpers/clients.js';
import type { RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { pkcePair, responseParams, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import {
  call,
  endpoints,
  FHIR_SD,
  linkOwner,
  registerResource,
  registerResourceServerClient,
  RS_CALLBACK,
} from './fixtures.js';

/**
 * The PAT (federated authorization §1.3, heart-uma2.md Part 3.1) and the resource registration
 * API (F§3), driven by an RS that linked two owners through the code flow.
 */
let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let rs: RegisteredClient;
let otherRs: RegisteredClient;
let introspector: TestClient;
let alicePat: string;
let aliceRefresh: string;
let bobPat: string;
let otherRsPat: string;
let rreg: string;

beforeAll(async () => {
  server = await startKardia();
  alice = await createTestUser(server, { name: 'Alice' });
  bob = await createTestUser(server, { name: 'Bob' });
  rs = await registerResourceServerClient(server);
  otherRs = await registerResourceServerClient(server, 'Other RS');
  introspector = await resourceServer(server);
  ({ pat: alicePat, refresh: aliceRefresh } = await linkOwner(server, rs, alice));
  ({ pat: bobPat } = await linkOwner(server, rs, bob));
  ({ pat: otherRsPat } = await linkOwner(server, otherRs, alice));
  rreg = endpoints(server).resources;
});
afterAll(() => server.close());

const fullDescription = {
  name: 'Observations in the health record of Alice',
  description: 'Lab results and vital signs',
  'name#fr': 'Observations du dossier',
  icon_uri: 'https://rs.example/icons/observation.png',
  type: `${FHIR_SD}Observation`,
  resource_scopes: ['read', 'write', 'conf/N', 'sens/HIV', 'btg'],
};

describe('the PAT', () => {
  it('UMA-PAT-3 HU-17 HU-41 the owner approves uma_protection in words on a consent page naming the RS', async () => {
    const carol = await createTestUser(server);
    const { walk } = await linkOwner(server, rs, carol);
    expect(walk.sawConsent).toBe(true);
    const html = walk.consentHtml ?? '';
    expect(html).toContain('Records RS');
    expect(html).toContain('data-scope="uma_protection"');
    expect(html).toContain('so that you decide who may see them');
    expect(html).toContain('data-registration="dynamic"');
  });

  it('UMA-PAT-2 HU-17 a PAT introspects active with uma_protection and sub = the owner', async () => {
    const answer = await introspect(server, introspector, alicePat);
    expect(answer.body).toMatchObject({ active: true, scope: 'uma_protection', sub: alice.sub });
  });

  it('HU-17 client credentials never obtain uma_protection (400 invalid_scope)', async () => {
    const direct = await staticClientCredentialsClient(server, 'system/*.read uma_protection');
    const asked = await requestToken(server, direct, {
      grant_type: 'client_credentials',
      scope: 'uma_protection',
    });
    expect(asked.status).toBe(400);
    expect(asked.body.error).toBe('invalid_scope');
    const defaulted = await requestToken(server, direct, { grant_type: 'client_credentials' });
    expect(defaulted.status).toBe(200);
    expect(String(defaulted.body.scope)).not.toContain('uma_protection');
  });

  it('UMA-PAT-5 HU-18 the PAT lives at most an hour, comes with a refresh token, and a refreshed PAT works', async () => {
    const dave = await createTestUser(server);
    const { tokens, refresh } = await linkOwner(server, rs, dave);
    expect(tokens.expires_in).toBeLessThanOrEqual(3600);
    expect(refresh).toBeTruthy();
    const refreshed = await requestToken(server, rs, {
      grant_type: 'refresh_token',
      refresh_token: refresh,
    });
    expect(refreshed.status).toBe(200);
    const created = await call(rreg, 'POST', String(refreshed.body.access_token), {
      resource_scopes: ['read'],
    });
    expect(created.status).toBe(201);
  });

  it('UMA-PAT-1 HU-1 HU-11 a bearer PAT registers a resource; the PAT came through private_key_jwt with aud = token endpoint', async () => {
    const answer = await call(rreg, 'POST', alicePat, { resource_scopes: ['read'] });
    expect(answer.status).toBe(201);
    const badAud = await postForm(`${server.url}/token`, {
      grant_type: 'refresh_token',
      refresh_token: aliceRefresh,
      ...(await assertionParams(rs, `${server.url}/introspect`)),
    });
    expect(badAud.status).toBe(401);
    expect(badAud.body.error).toBe('invalid_client');
  });

  it('UMA-PAT-6 no token → 401 bare Bearer; bad token → 401 invalid_token; no uma_protection → 403', async () => {
    const none = await call(rreg, 'GET');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="kardia"');
    const bad = await call(rreg, 'GET', 'not-a-token');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const other = await call(rreg, 'GET', await otherScopeToken());
    expect(other.status).toBe(403);
    expect(other.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(other.json.error).toBe('insufficient_scope');
  });

  it('HU-19 a revoked PAT is 401 invalid_token', async () => {
    const erin = await createTestUser(server);
    const { pat } = await linkOwner(server, rs, erin);
    const revoked = await postForm(`${server.url}/revoke`, {
      token: pat,
      ...(await assertionParams(rs, `${server.url}/revoke`)),
    });
    expect(revoked.status).toBe(200);
    const answer = await call(rreg, 'GET', pat);
    expect(answer.status).toBe(401);
    expect(answer.json.error).toBe('invalid_token');
  });

  it('HU-15 the PAT flow refuses PKCE plain and a wrong code_verifier', async () => {
    const agent = new UserAgent(server);
    await agent.signIn(alice.username, alice.password);
    const plain = await agent.get(
      `/authorize?${new URLSearchParams({
        client_id: rs.clientId,
        redirect_uri: RS_CALLBACK,
        response_type: 'code',
        scope: 'uma_protection',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'plain',
      }).toString()}`,
    );
    expect(plain.status).toBe(302);
    expect(responseParams(plain.headers.get('location') ?? '').error).toBe('invalid_request');
    const pkce = pkcePair();
    const { location } = await agent.authorize({
      client_id: rs.clientId,
      redirect_uri: RS_CALLBACK,
      response_type: 'code',
      scope: 'uma_protection',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    const wrong = await requestToken(server, rs, {
      grant_type: 'authorization_code',
      code: responseParams(location).code ?? '',
      redirect_uri: RS_CALLBACK,
      code_verifier: pkcePair().verifier,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
  });
});

/** An access token of Alice's for another scope: valid, but not a PAT. */
async function otherScopeToken(): Promise<string> {
  const { registerClient } = await import('../helpers/register.js');
  const { codeFlowTokens } = await import('./fixtures.js');
  const app = await registerClient(server, { scope: 'patient/*.read' });
  const { tokens } = await codeFlowTokens(
    server,
    app,
    alice,
    'patient/*.read',
    'https://client.example/callback',
  );
  return tokens.access_token;
}

describe('resource registration', () => {
  it('UMA-RES-1 HU-32 all five operations need a PAT', async () => {
    const id = await registerResource(server, alicePat);
    for (const [method, url] of [
      ['POST', rreg],
      ['GET', rreg],
      ['GET', `${rreg}/${id}`],
      ['PUT', `${rreg}/${id}`],
      ['DELETE', `${rreg}/${id}`],
    ] as const) {
      const answer = await call(url, method, undefined, method === 'GET' ? undefined : {});
      expect(answer.status, `${method} ${url}`).toBe(401);
    }
  });

  it('UMA-RES-3 UMA-RES-9 HU-33 create → 201, Location ending with _id, absolute policy URI', async () => {
    const answer = await call(rreg, 'POST', alicePat, fullDescription);
    expect(answer.status).toBe(201);
    const id = String(answer.json._id);
    expect(answer.headers.get('location')).toBe(`${rreg}/${id}`);
    expect(answer.json.user_access_policy_uri).toBe(`${server.url}/account/resources/${id}`);
    expect((await call(`${rreg}/${id}`, 'GET', alicePat)).status).toBe(200);
  });

  it('UMA-RES-4 HU-34 read returns every stored member and _id; FHIR types and HEART scopes unchanged', async () => {
    const id = await registerResource(server, alicePat, fullDescription);
    const answer = await call(`${rreg}/${id}`, 'GET', alicePat);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ ...fullDescription, _id: id });
  });

  it('UMA-RES-5 update replaces the whole description', async () => {
    const id = await registerResource(server, alicePat, { name: 'Named' });
    const put = await call(`${rreg}/${id}`, 'PUT', alicePat, { resource_scopes: ['read'] });
    expect(put.status).toBe(200);
    expect(put.json._id).toBe(id);
    const read = await call(`${rreg}/${id}`, 'GET', alicePat);
    expect(read.json.name).toBeUndefined();
    expect(read.json.resource_scopes).toEqual(['read']);
  });

  it('UMA-RES-6 delete → 204; read → 404; a permission naming it → 400 invalid_resource_id', async () => {
    const id = await registerResource(server, alicePat);
    const deleted = await call(`${rreg}/${id}`, 'DELETE', alicePat);
    expect(deleted.status).toBe(204);
    expect((await call(`${rreg}/${id}`, 'GET', alicePat)).status).toBe(404);
    const permission = await call(endpoints(server).permission, 'POST', alicePat, {
      resource_id: id,
      resource_scopes: ['read'],
    });
    expect(permission.status).toBe(400);
    expect(permission.json.error).toBe('invalid_resource_id');
  });

  it('UMA-RES-7 UMA-PAT-4 each owner lists only the ids registered with their own PAT, as strings', async () => {
    const mine = await registerResource(server, alicePat);
    const theirs = await registerResource(server, bobPat);
    const aliceList = await call(rreg, 'GET', alicePat);
    const bobList = await call(rreg, 'GET', bobPat);
    expect(aliceList.status).toBe(200);
    expect(aliceList.body).toContain(mine);
    expect(aliceList.body).not.toContain(theirs);
    expect(bobList.body).toContain(theirs);
    expect(bobList.body).not.toContain(mine);
    expect((aliceList.body as unknown[]).every((v) => typeof v === 'string')).toBe(true);
    const otherRsList = await call(rreg, 'GET', otherRsPat);
    expect(otherRsList.body).not.toContain(mine);
  });

  it('UMA-RES-8 PATCH → 405 unsupported_method_type; another owner or RS → 404 not_found', async () => {
    const id = await registerResource(server, alicePat);
    for (const [method, url] of [
      ['PATCH', `${rreg}/${id}`],
      ['POST', `${rreg}/${id}`],
      ['PUT', rreg],
      ['DELETE', rreg],
    ] as const) {
      const answer = await call(url, method, alicePat, {});
      expect(answer.status, `${method} ${url}`).toBe(405);
      expect(answer.json.error).toBe('unsupported_method_type');
    }
    for (const pat of [bobPat, otherRsPat]) {
      const answer = await call(`${rreg}/${id}`, 'GET', pat);
      expect(answer.status).toBe(404);
      expect(answer.json.error).toBe('not_found');
      expect((await call(`${rreg}/${id}`, 'DELETE', pat)).status).toBe(404);
    }
    expect((await call(`${rreg}/no-such-id`, 'GET', alicePat)).json.error).toBe('not_found');
  });

  it('UMA-RES-2 resource_scopes is a required array of strings', async () => {
    for (const body of [
      { name: 'x' },
      { resource_scopes: 'read' },
      { resource_scopes: [1] },
      { resource_scopes: [''] },
    ]) {
      const answer = await call(rreg, 'POST', alicePat, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.error).toBe('invalid_request');
    }
  });

  it('UMA-GEN-1 unknown members are ignored; names are case-sensitive', async () => {
    const extra = await call(rreg, 'POST', alicePat, { resource_scopes: ['read'], x_note: 'hi' });
    expect(extra.status).toBe(201);
    const read = await call(`${rreg}/${String(extra.json._id)}`, 'GET', alicePat);
    expect(read.json.x_note).toBeUndefined();
    const wrongCase = await call(rreg, 'POST', alicePat, { Resource_Scopes: ['read'] });
    expect(wrongCase.status).toBe(400);
    expect(wrongCase.json.error).toBe('invalid_request');
  });

  it('UMA-GEN-2 errors and successes are JSON with Cache-Control: no-store', async () => {
    const missing = await call(`${rreg}/unknown`, 'GET', alicePat);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    expect(missing.json.error).toBe('not_found');
    expectNoStore(missing.headers);
    const list = await call(rreg, 'GET', alicePat);
    expect(list.headers.get('content-type')).toMatch(/^application\/json/);
    expectNoStore(list.headers);
    const malformed = await call(rreg, 'POST', alicePat, '{"resource_scopes": [');
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toBe('invalid_request');
    const wrongType = await call(rreg, 'POST', alicePat, undefined, {
      'content-type': 'text/plain',
    });
    expect(wrongType.status).toBeLessThan(500);
  });

  it('UMA-RES-10 a scope URI on an unreachable host is registered at once, never fetched', async () => {
    const started = Date.now();
    const answer = await call(rreg, 'POST', alicePat, {
      resource_scopes: ['https://unreachable.invalid/scopes/view'],
    });
    expect(answer.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('UMA-RES-11 the collection answers with and without a trailing slash', async () => {
    for (const url of [rreg, `${rreg}/`]) {
      const answer = await call(url, 'POST', alicePat, { resource_scopes: ['read'] });
      expect(answer.status, url).toBe(201);
    }
    expect((await call(`${rreg}/`, 'GET', alicePat)).status).toBe(200);
  });

  it('HU-33 the policy URI opens the account pages on the issuer', async () => {
    const answer = await call(rreg, 'POST', alicePat, { resource_scopes: ['read'] });
    const uri = new URL(String(answer.json.user_access_policy_uri));
    expect(uri.origin).toBe(server.url);
    expect(uri.pathname.startsWith('/account/resources/')).toBe(true);
  });
});
