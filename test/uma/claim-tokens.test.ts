import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKeyPair, type KeyPair } from '../helpers/clients.js';
import {
  type DocumentServer,
  type RegisteredClient,
  startDocumentServer,
} from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { ID_TOKEN_FORMAT, type UmaClient } from '../helpers/uma-client.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import {
  call,
  createPolicy,
  emailClaim,
  endpoints,
  idTokenFor,
  linkOwner,
  policyToken,
  registerResource,
  registerResourceServerClient,
  registerUmaApp,
  ticketFor,
  umaClient,
} from './fixtures.js';

/**
 * Pushed claim tokens (UMA grant §3.3.1, §5.7; heart-uma2.md Part 3.2): ID tokens from Kardia
 * and from a configured OpenID provider (a loopback document server publishing its discovery
 * document and keys), validated in full; anything else counts for nothing.
 */
const IDP_AUDIENCE = 'kardia-at-idp';
let idp: DocumentServer;
let idpKeys: KeyPair;
let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let pat: string;
let aliceToken: string;
let app: RegisteredClient;
let otherApp: RegisteredClient;
let uma: UmaClient;

beforeAll(async () => {
  idp = await startDocumentServer();
  idpKeys = await makeKeyPair();
  idp.serve('/.well-known/openid-configuration', { issuer: idp.url, jwks_uri: `${idp.url}/jwks` });
  idp.serve('/jwks', idpKeys.jwks);
  server = await startKardia({ umaTrustedIssuers: [`${idp.url}=${IDP_AUDIENCE} another-aud`] });
  alice = await createTestUser(server, { name: 'Alice', email: 'alice@example.org' });
  bob = await createTestUser(server, { name: 'Bob', email: 'bob@example.org' });
  const rs = await registerResourceServerClient(server);
  ({ pat } = await linkOwner(server, rs, alice));
  aliceToken = await policyToken(server, alice);
  app = await registerUmaApp(server);
  otherApp = await registerUmaApp(server, { client_name: 'Other app' });
  uma = umaClient(server, app);
});
afterAll(async () => {
  await server.close();
  await idp.close();
});

/** An ID token of the external OpenID provider, claims overridable. */
async function externalIdToken(
  claims: Record<string, unknown> = {},
  keys: KeyPair = idpKeys,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: idp.url,
    sub: 'dr-lee-1',
    aud: IDP_AUDIENCE,
    iat: now,
    exp: now + 300,
    email: 'dr.lee@clinic.example',
    email_verified: true,
    name: 'Dr Lee',
    ...claims,
  };
  for (const [name, value] of Object.entries(payload))
    if (value === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: keys.publicJwk.kid, typ: 'JWT' })
    .sign(keys.privateKey);
}

/** A resource shared with Dr Lee's verified email at the external provider. */
async function sharedWithDrLee(): Promise<string> {
  const resourceId = await registerResource(server, pat);
  await createPolicy(server, aliceToken, {
    resource_ids: [resourceId],
    resource_scopes: ['read'],
    required_claims: [{ name: 'email', value: 'dr.lee@clinic.example', issuer: [idp.url] }],
    mode: 'grant',
  });
  return resourceId;
}

async function pushTo(resourceId: string, token: string, format = ID_TOKEN_FORMAT, who = uma) {
  const ticket = await ticketFor(server, pat, {
    resource_id: resourceId,
    resource_scopes: ['read'],
  });
  return {
    ticket,
    answer: await who.grant(ticket, { claim_token: token, claim_token_format: format }),
  };
}

const expectNeedInfo = (
  ticket: string,
  answer: { status: number; body: Record<string, unknown> },
) => {
  expect(answer.status).toBe(403);
  expect(answer.body.error).toBe('need_info');
  expect(typeof answer.body.ticket).toBe('string');
  expect(answer.body.ticket).not.toBe(ticket);
  expect(answer.body).not.toHaveProperty('access_token');
};

describe('claim tokens from a configured OpenID provider', () => {
  it('UMA-TRUST-1 HU-25 a valid ID token of a trusted issuer (keys from its discovery) → 200 RPT', async () => {
    const { answer } = await pushTo(await sharedWithDrLee(), await externalIdToken());
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(idp.hits('/.well-known/openid-configuration')).toBeGreaterThan(0);
  });

  it('Part 3.2 the https spelling of the ID token format is accepted', async () => {
    const { answer } = await pushTo(
      await sharedWithDrLee(),
      await externalIdToken({ aud: 'another-aud' }),
      'https://openid.net/specs/openid-connect-core-1_0.html#IDToken',
    );
    expect(answer.status).toBe(200);
  });

  it('HU-26 an untrusted issuer, a tampered signature or another key → need_info with a new ticket', async () => {
    const resourceId = await sharedWithDrLee();
    const stranger = await makeKeyPair();
    const valid = await externalIdToken();
    const [header, payload] = valid.split('.');
    const tampered = `${header}.${payload}.${Buffer.from('forged').toString('base64url')}`;
    const otherClaims = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
        email: 'x@y.example',
      }),
    ).toString('base64url');
    const swapped = `${header}.${otherClaims}.${valid.split('.')[2]}`;
    for (const token of [
      await externalIdToken({ iss: 'https://untrusted.example' }),
      tampered,
      swapped,
      await externalIdToken({}, stranger),
    ]) {
      const { ticket, answer } = await pushTo(resourceId, token);
      expectNeedInfo(ticket, answer);
    }
  });

  it('UMA-TRUST-5 HU-26 an expired ID token, or one issued in the future → need_info', async () => {
    const resourceId = await sharedWithDrLee();
    const now = Math.floor(Date.now() / 1000);
    for (const claims of [
      { iat: now - 900, exp: now - 600 },
      { iat: now + 600, exp: now + 900 },
    ]) {
      const { ticket, answer } = await pushTo(resourceId, await externalIdToken(claims));
      expectNeedInfo(ticket, answer);
    }
  });

  it('UMA-TRUST-2 an ID token whose aud is not accepted for its issuer → need_info, no RPT', async () => {
    const { ticket, answer } = await pushTo(
      await sharedWithDrLee(),
      await externalIdToken({ aud: 'someone-else' }),
    );
    expectNeedInfo(ticket, answer);
  });

  it('Part 3.2 an email counts only when email_verified is true', async () => {
    const resourceId = await sharedWithDrLee();
    for (const claims of [{ email_verified: false }, { email_verified: undefined }]) {
      const { answer } = await pushTo(resourceId, await externalIdToken(claims));
      expect(answer.status).toBe(403);
      expect(answer.body.error).toBe('need_info');
    }
  });

  it('HU-3 UMA-GRANT-4 a JSON-serialized or encrypted-looking claim token counts for nothing', async () => {
    const resourceId = await sharedWithDrLee();
    const [protectedHeader, payload, signature] = (await externalIdToken()).split('.');
    for (const token of [
      JSON.stringify({ protected: protectedHeader, payload, signature }),
      'a.b.c.d.e',
    ]) {
      const { ticket, answer } = await pushTo(resourceId, token);
      expectNeedInfo(ticket, answer);
    }
  });
});

describe('claim tokens Kardia issued', () => {
  it('UMA-TRUST-3 an ID token issued to C1 counts when C1 pushes it, not when C2 does', async () => {
    const resourceId = await registerResource(server, pat);
    await createPolicy(server, aliceToken, {
      resource_ids: [resourceId],
      resource_scopes: ['read'],
      required_claims: [emailClaim(server, 'bob@example.org')],
      mode: 'grant',
    });
    const forApp = await idTokenFor(server, app, bob);
    const byOther = await pushTo(resourceId, forApp, ID_TOKEN_FORMAT, umaClient(server, otherApp));
    expectNeedInfo(byOther.ticket, byOther.answer);
    const byApp = await pushTo(resourceId, forApp);
    expect(byApp.answer.status).toBe(200);
  });

  it('HU-27 an unsupported claim_token_format → need_info naming the ID token format and trusted issuers', async () => {
    const resourceId = await sharedWithDrLee();
    const { ticket, answer } = await pushTo(
      resourceId,
      await externalIdToken(),
      'urn:example:unknown',
    );
    expectNeedInfo(ticket, answer);
    const hints = answer.body.required_claims as Record<string, string[]>[];
    expect(hints.length).toBeGreaterThan(0);
    for (const hint of hints) {
      expect(hint.claim_token_format).toContain(ID_TOKEN_FORMAT);
      expect(hint.issuer).toEqual(expect.arrayContaining([server.url, idp.url]));
    }
  });

  it('UMA-PCT-5 UMA-TRUST-4 pushed claims alone never yield a PCT', async () => {
    const { answer } = await pushTo(await sharedWithDrLee(), await externalIdToken());
    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty('pct');
  });
});

describe('the trusted issuer setting', () => {
  it('UMA-TRUST-1 a malformed umaTrustedIssuers entry stops the server at start', async () => {
    await expect(startKardia({ umaTrustedIssuers: ['no-audience-here'] })).rejects.toThrow(
      /KARDIA_UMA_TRUSTED_ISSUERS/,
    );
  });
});

describe('a share by email binds to the identity that first uses it', () => {
  it('the first verified holder of the address keeps the share; other identities proving the same address are refused', async () => {
    const resourceId = await registerResource(server, pat);
    // Alice names Sam by email only, from any trusted issuer, as the dashboard's share does.
    const policyId = await createPolicy(server, aliceToken, {
      resource_ids: [resourceId],
      resource_scopes: ['read'],
      required_claims: [{ name: 'email', value: 'sam@example.org' }],
      mode: 'grant',
    });
    const policyUrl = `${endpoints(server).policies}/${policyId}`;
    expect((await call(policyUrl, 'GET', aliceToken)).json).not.toHaveProperty('bound_to');

    const samAtIdp = () => externalIdToken({ sub: 'sam-1', email: 'sam@example.org' });
    expect((await pushTo(resourceId, await samAtIdp())).answer.status).toBe(200);
    expect((await call(policyUrl, 'GET', aliceToken)).json.bound_to).toEqual({
      iss: idp.url,
      sub: 'sam-1',
    });

    // The same address verified by a Kardia account, or by another subject at the provider.
    const samHere = await createTestUser(server, { name: 'Sam', email: 'sam@example.org' });
    const others = [
      await idTokenFor(server, app, samHere),
      await externalIdToken({ sub: 'sam-2', email: 'sam@example.org' }),
    ];
    for (const token of others) {
      const { answer } = await pushTo(resourceId, token);
      expect(answer.status, JSON.stringify(answer.body)).toBe(403);
      expect(answer.body.error).toBe('request_denied');
    }
    // The identity it is bound to keeps it.
    expect((await pushTo(resourceId, await samAtIdp())).answer.status).toBe(200);

    // Changing only the scopes keeps the binding; naming the person again starts afresh.
    const policy = (await call(policyUrl, 'GET', aliceToken)).json;
    const input = Object.fromEntries(
      ['resource_ids', 'resource_scopes', 'required_claims', 'mode'].map((k) => [k, policy[k]]),
    );
    expect((await call(policyUrl, 'PUT', aliceToken, input)).status).toBe(200);
    expect((await call(policyUrl, 'GET', aliceToken)).json).toHaveProperty('bound_to');
    const renamed = { ...input, required_claims: [{ name: 'email', value: 'SAM@example.org' }] };
    expect((await call(policyUrl, 'PUT', aliceToken, renamed)).status).toBe(200);
    expect((await call(policyUrl, 'GET', aliceToken)).json).not.toHaveProperty('bound_to');
    const first = await pushTo(resourceId, await idTokenFor(server, app, samHere));
    expect(first.answer.status, JSON.stringify(first.answer.body)).toBe(200);
    expect((await call(policyUrl, 'GET', aliceToken)).json.bound_to).toEqual({
      iss: server.url,
      sub: samHere.sub,
    });
  });
});
