import { compactDecrypt, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revoke } from '../helpers/back-channel.js';
import {
  CONFIDENTIAL_CODE_CLIENT,
  postRegistration,
  registerClient,
  registerCodeClient,
  type RegisteredClient,
} from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { codeFlow } from './flow.js';
import { signingAndEncryptionKeys } from './keys.js';

let server: TestServer;
let user: TestUser;
let client: RegisteredClient;
let agent: UserAgent;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server, { email: 'grace@example.org', name: 'Grace Hopper' });
  client = await registerCodeClient(server, { scope: 'openid profile email patient/*.read' });
  agent = new UserAgent(server);
});
afterAll(() => server.close());

const userinfo = (token: string, init: RequestInit = {}) =>
  fetch(`${server.url}/userinfo`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...init.headers },
  });

describe('UserInfo', () => {
  it('OIDC-UI-1 answers JSON holding the ID token sub, with no-store', async () => {
    const login = await codeFlow(server, agent, user, client, { scope: 'openid profile email' });
    const response = await userinfo(String(login.tokens.access_token));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      sub: login.claims.sub,
      name: 'Grace Hopper',
      preferred_username: user.username,
      email: 'grace@example.org',
      email_verified: true,
    });
  });

  it('OIDC-UI-2 answers only sub to a token with scope openid alone, also by POST', async () => {
    const login = await codeFlow(server, agent, user, client, { scope: 'openid' });
    const response = await userinfo(String(login.tokens.access_token), { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: login.claims.sub });
  });

  it('OIDC-UI-6 refuses a missing, malformed, revoked or under-scoped token', async () => {
    const none = await fetch(`${server.url}/userinfo`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const garbage = await userinfo('not.a.token');
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toContain('error="invalid_token"');

    const login = await codeFlow(server, agent, user, client, { scope: 'openid' });
    const token = String(login.tokens.access_token);
    expect((await revoke(server, client, { token })).status).toBe(200);
    const revoked = await userinfo(token);
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as { error: string }).error).toBe('invalid_token');

    const plain = await codeFlow(server, agent, user, client, { scope: 'patient/*.read' });
    const noOpenid = await userinfo(String(plain.tokens.access_token));
    expect(noOpenid.status).toBe(403);
    expect(noOpenid.headers.get('www-authenticate')).toContain('insufficient_scope');
  });

  it('OIDC-UI-3 OIDC-UI-4 OIDC-UI-5 answers a signed JWT with sub, iss and aud when registered', async () => {
    const signed = await registerCodeClient(server, {
      scope: 'openid email',
      userinfo_signed_response_alg: 'RS256',
    });
    const login = await codeFlow(server, agent, user, signed, { scope: 'openid email' });
    const response = await userinfo(String(login.tokens.access_token));
    expect(response.headers.get('content-type')).toMatch(/^application\/jwt/);
    const { payload, protectedHeader } = await jwtVerify(
      await response.text(),
      createRemoteJWKSet(new URL(`${server.url}/jwks`)),
      { issuer: server.url, audience: signed.clientId },
    );
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ sub: login.claims.sub, email: 'grace@example.org' });
  });

  it('OIDC-UI-4 answers a JWE that opens with the client key, encrypted only or signed first', async () => {
    for (const signing of [{}, { userinfo_signed_response_alg: 'RS256' }]) {
      const { keys, encryption } = await signingAndEncryptionKeys('RSA-OAEP-256');
      const encrypted = await registerClient(
        server,
        {
          scope: 'openid email',
          userinfo_encrypted_response_alg: 'RSA-OAEP-256',
          userinfo_encrypted_response_enc: 'A256GCM',
          ...signing,
        },
        { keys },
      );
      const login = await codeFlow(server, agent, user, encrypted, { scope: 'openid email' });
      const response = await userinfo(String(login.tokens.access_token));
      expect(response.headers.get('content-type')).toMatch(/^application\/jwt/);
      const jwe = await response.text();
      expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM' });
      const { plaintext } = await compactDecrypt(jwe, encryption.privateKey);
      const text = new TextDecoder().decode(plaintext);
      const claims = signing.userinfo_signed_response_alg
        ? (
            await jwtVerify(text, createRemoteJWKSet(new URL(`${server.url}/jwks`)), {
              issuer: server.url,
              audience: encrypted.clientId,
            })
          ).payload
        : (JSON.parse(text) as Record<string, unknown>);
      expect(claims).toMatchObject({ sub: login.claims.sub, email: 'grace@example.org' });
    }
  });

  it('OIDC-UI-5 refuses registrations asking for algorithms Kardia does not serve', async () => {
    const keys = (await signingAndEncryptionKeys()).keys;
    for (const bad of [
      { userinfo_signed_response_alg: 'none' },
      { userinfo_signed_response_alg: 'HS256' },
      { userinfo_encrypted_response_alg: 'dir' },
      { userinfo_encrypted_response_enc: 'A128GCM' },
    ]) {
      const answer = await postRegistration(server, {
        ...CONFIDENTIAL_CODE_CLIENT,
        jwks: keys.jwks,
        ...bad,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_client_metadata');
    }
  });
});
