import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientCredentialsToken,
  decodeToken,
  expectNoStore,
  introspect,
  revoke,
} from '../helpers/back-channel.js';
import {
  assertionParams,
  makeKeyPair,
  postForm,
  resourceServer,
  staticClientCredentialsClient,
  type TestClient,
} from '../helpers/clients.js';
import { registerCodeClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';

/** Token introspection (RFC 7662) for protected resources only (HEART OAuth §3.2.2). */
let server: TestServer;
let shortLived: TestServer;
let client: TestClient;
let rs: TestClient;
let introspectUrl: string;

beforeAll(async () => {
  server = await startKardia();
  shortLived = await startKardia({ clientCredentialsAccessTokenTtl: 3 });
  introspectUrl = `${server.url}/introspect`;
  client = await staticClientCredentialsClient(server, 'system/*.read system/*.write');
  rs = await resourceServer(server, 'https://records.example/fhir');
});
afterAll(async () => {
  await server.close();
  await shortLived.close();
});

const INACTIVE = { active: false };

/** Waits until the clock has passed `exp` (seconds) by a little. */
const untilPast = (exp: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, (exp + 1) * 1000 - Date.now() + 100)));

describe('introspection', () => {
  it('OA-IN-1 a protected resource with a private_key_jwt assertion gets 200 JSON', async () => {
    const token = await clientCredentialsToken(server, client);
    const answer = await introspect(server, rs, token);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body.active).toBe(true);
    expectNoStore(answer.headers);
  });

  it('OA-IN-2 describes a live token exactly as its JWT says', async () => {
    const token = await clientCredentialsToken(server, client, 'system/*.read');
    const { payload } = decodeToken(token);
    const answer = await introspect(server, rs, token);
    expect(answer.body).toMatchObject({
      active: true,
      scope: 'system/*.read',
      client_id: client.clientId,
      sub: client.clientId,
      exp: payload.exp,
      iat: payload.iat,
      iss: server.url,
      aud: payload.aud,
      jti: payload.jti,
      token_type: 'Bearer',
    });
    expect(answer.body.aud).toContain('https://records.example/fhir');
  });

  it('OA-IN-2 an expired token is exactly {"active":false}', async () => {
    const rsThere = await resourceServer(shortLived);
    const clientThere = await staticClientCredentialsClient(shortLived);
    const token = await clientCredentialsToken(shortLived, clientThere);
    expect((await introspect(shortLived, rsThere, token)).body.active).toBe(true);
    await untilPast(Number(decodeToken(token).payload.exp));
    const answer = await introspect(shortLived, rsThere, token);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(INACTIVE);
    expectNoStore(answer.headers);
  });

  it('OA-IN-2 a revoked token is exactly {"active":false}', async () => {
    const token = await clientCredentialsToken(server, client);
    expect((await revoke(server, client, { token })).status).toBe(200);
    expect((await introspect(server, rs, token)).body).toEqual(INACTIVE);
  });

  it('OA-IN-2 a foreign, forged or malformed token is exactly {"active":false}', async () => {
    const other = await startKardia();
    try {
      const theirs = await clientCredentialsToken(
        other,
        await staticClientCredentialsClient(other),
      );
      expect((await introspect(server, rs, theirs)).body).toEqual(INACTIVE);
    } finally {
      await other.close();
    }

    // Our claims and our kid, signed with someone else's key.
    const ours = decodeToken(await clientCredentialsToken(server, client));
    const forger = await makeKeyPair();
    const forged = await new SignJWT({
      ...ours.payload,
      jti: randomBytes(32).toString('base64url'),
    })
      .setProtectedHeader({ alg: 'RS256', kid: ours.header.kid, typ: 'at+jwt' })
      .sign(forger.privateKey);
    const unsigned = [
      Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url'),
      Buffer.from(JSON.stringify(ours.payload)).toString('base64url'),
      '',
    ].join('.');

    for (const token of [forged, unsigned, 'garbage', 'a.b.c', 'x'.repeat(9000), '💊']) {
      const answer = await introspect(server, rs, token);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(INACTIVE);
    }
  });

  it('OA-IN-3 refuses no auth, Basic, a bearer token only, or a bad assertion with 401', async () => {
    const token = await clientCredentialsToken(server, client);
    const basic = Buffer.from(`${rs.clientId}:secret`).toString('base64');
    const answers = [
      await postForm(introspectUrl, { token }),
      await postForm(introspectUrl, { token, client_id: rs.clientId }),
      await postForm(introspectUrl, { token }, { authorization: `Basic ${basic}` }),
      await postForm(introspectUrl, { token }, { authorization: `Bearer ${token}` }),
      await introspect(server, rs, token, 'https://elsewhere.example/introspect'),
      await introspect(server, rs, token, `${server.url}/revoke`),
      await postForm(introspectUrl, {
        token,
        ...(await assertionParams(
          { clientId: rs.clientId, keys: await makeKeyPair() },
          introspectUrl,
        )),
      }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('invalid_client');
      expect(answer.body).not.toHaveProperty('active');
      expectNoStore(answer.headers);
    }
  });

  it('OA-IN-3 accepts as aud the introspection URL, the token URL or the issuer', async () => {
    const token = await clientCredentialsToken(server, client);
    for (const audience of [introspectUrl, `${server.url}/token`, server.url]) {
      const answer = await introspect(server, rs, token, audience);
      expect(answer.status, audience).toBe(200);
      expect(answer.body.active).toBe(true);
    }
  });

  it('OA-IN-4 an ordinary client, even with a valid assertion, gets 401 invalid_client', async () => {
    const token = await clientCredentialsToken(server, client);
    const codeClient = await registerCodeClient(server);
    for (const caller of [client, codeClient]) {
      const answer = await introspect(server, caller, token);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('invalid_client');
    }
  });

  it('refuses a request without token with 400 invalid_request', async () => {
    const answer = await postForm(introspectUrl, await assertionParams(rs, introspectUrl));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
  });

  it('refuses GET with 405 and JSON bodies with 400', async () => {
    const get = await fetch(introspectUrl);
    expect(get.status).toBe(405);
    const json = await fetch(introspectUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'x', ...(await assertionParams(rs, introspectUrl)) }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
  });
});
