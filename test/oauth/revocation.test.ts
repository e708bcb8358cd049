import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientCredentialsToken,
  expectNoStore,
  introspect,
  revoke,
} from '../helpers/back-channel.js';
import {
  assertionParams,
  postForm,
  resourceServer,
  staticClientCredentialsClient,
  type TestClient,
} from '../helpers/clients.js';
import { registerNativeClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';

/** Token revocation (RFC 7009) with private_key_jwt (HEART OAuth §3.1.6, §3.2.2). */
let server: TestServer;
let clientA: TestClient;
let clientB: TestClient;
let rs: TestClient;
let revokeUrl: string;

beforeAll(async () => {
  server = await startKardia();
  revokeUrl = `${server.url}/revoke`;
  clientA = await staticClientCredentialsClient(server);
  clientB = await staticClientCredentialsClient(server);
  rs = await resourceServer(server);
});
afterAll(() => server.close());

const isActive = async (token: string) => (await introspect(server, rs, token)).body.active;

describe('revocation', () => {
  it('OA-RV-1 the client revokes its token: 200, then introspection says inactive', async () => {
    const token = await clientCredentialsToken(server, clientA);
    expect(await isActive(token)).toBe(true);
    const answer = await revoke(server, clientA, { token, token_type_hint: 'access_token' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ raw: '' });
    expectNoStore(answer.headers);
    expect(await isActive(token)).toBe(false);
    // Revoking again changes nothing and still answers 200.
    expect((await revoke(server, clientA, { token })).status).toBe(200);
  });

  it("OA-RV-2 a client cannot revoke another client's token", async () => {
    const token = await clientCredentialsToken(server, clientA);
    const answer = await revoke(server, clientB, { token });
    expect(answer.status).toBe(200);
    expect(await isActive(token)).toBe(true);
  });

  it('OA-RV-4 no auth, Basic, or a bearer token only get 401 invalid_client', async () => {
    const token = await clientCredentialsToken(server, clientA);
    const basic = Buffer.from(`${clientA.clientId}:secret`).toString('base64');
    const answers = [
      await postForm(revokeUrl, { token }),
      await postForm(revokeUrl, { token, client_id: clientA.clientId }),
      await postForm(revokeUrl, { token }, { authorization: `Basic ${basic}` }),
      await postForm(revokeUrl, { token }, { authorization: `Bearer ${token}` }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('invalid_client');
      expectNoStore(answer.headers);
    }
    expect(await isActive(token)).toBe(true);
  });

  it('OA-RV-4 a public client naming itself cannot revoke', async () => {
    const native = await registerNativeClient(server);
    const answer = await postForm(revokeUrl, { token: 'x', client_id: native.clientId });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('invalid_client');
  });

  it('OA-RV-4 a protected-resource registration is not a client here', async () => {
    const token = await clientCredentialsToken(server, clientA);
    const answer = await revoke(server, rs, { token });
    expect(answer.status).toBe(401);
    expect(await isActive(token)).toBe(true);
  });

  it('OA-RV-5 unknown or invalid tokens get 200; an unknown token_type_hint is ignored', async () => {
    for (const token of ['garbage', 'a.b.c', 'x'.repeat(9000)]) {
      expect((await revoke(server, clientA, { token })).status).toBe(200);
    }
    const token = await clientCredentialsToken(server, clientA);
    const hinted = await revoke(server, clientA, { token, token_type_hint: 'made_up_hint' });
    expect(hinted.status).toBe(200);
    expect(await isActive(token)).toBe(false);

    // A wrong (but known) hint does not stop the revocation either.
    const other = await clientCredentialsToken(server, clientA);
    await revoke(server, clientA, { token: other, token_type_hint: 'refresh_token' });
    expect(await isActive(other)).toBe(false);
  });

  it('accepts as aud the revocation URL, the token URL or the issuer, and nothing else', async () => {
    for (const audience of [revokeUrl, `${server.url}/token`, server.url]) {
      const token = await clientCredentialsToken(server, clientA);
      expect((await revoke(server, clientA, { token }, audience)).status, audience).toBe(200);
      expect(await isActive(token)).toBe(false);
    }
    const token = await clientCredentialsToken(server, clientA);
    const wrong = await revoke(server, clientA, { token }, `${server.url}/introspect`);
    expect(wrong.status).toBe(401);
    expect(await isActive(token)).toBe(true);
  });

  it('refuses a request without token with 400 invalid_request', async () => {
    const answer = await postForm(revokeUrl, await assertionParams(clientA, revokeUrl));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
  });
});
