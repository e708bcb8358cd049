import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToken, expectNoStore, introspect, revoke } from '../helpers/back-channel.js';
import { assertionParams, postForm, resourceServer, type TestClient } from '../helpers/clients.js';
import {
  registerCodeClient,
  registerNativeClient,
  type RegisteredClient,
} from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { pkcePair, responseParams, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';

/**
 * The refresh-token grant with rotation (RFC 6749 §6, RFC 9700 §4.14.2), on tokens obtained
 * through the real authorization code flow: login, consent, code, redemption.
 */
const WEB_CB = 'https://client.example/callback';
const NATIVE_CB = 'http://127.0.0.1/callback';
const SCOPE = 'openid patient/*.read';

let server: TestServer;
let user: TestUser;
let web: RegisteredClient;
let native: RegisteredClient;
let rs: TestClient;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server);
  web = await registerCodeClient(server);
  native = await registerNativeClient(server);
  rs = await resourceServer(server);
});
afterAll(() => server.close());

interface Tokens {
  access_token: string;
  refresh_token: string;
  scope: string;
}

/** Logs in, consents and answers a fresh code (with its PKCE verifier) for `client`. */
async function obtainCode(
  on: TestServer,
  client: RegisteredClient,
  as: TestUser,
  redirectUri: string,
) {
  const { verifier, challenge } = pkcePair();
  const agent = new UserAgent(on);
  const { location } = await agent.authorize(
    {
      client_id: client.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: SCOPE,
      state: randomBytes(16).toString('base64url'),
      nonce: randomBytes(16).toString('base64url'),
      code_challenge: challenge,
      code_challenge_method: 'S256',
    },
    { username: as.username, password: as.password },
  );
  const { code } = responseParams(location);
  if (!code) throw new Error(`no code in ${location}`);
  return { code, verifier };
}

/** The code flow to its end: the token response of a confidential or public client. */
async function codeFlow(
  client: RegisteredClient = web,
  on: TestServer = server,
  as: TestUser = user,
): Promise<Tokens> {
  const isPublic = client === native || client.body.token_endpoint_auth_method === 'none';
  const redirectUri = isPublic ? NATIVE_CB : WEB_CB;
  const { code, verifier } = await obtainCode(on, client, as, redirectUri);
  const auth = isPublic
    ? { client_id: client.clientId }
    : await assertionParams(client, `${on.url}/token`);
  const response = await postForm(`${on.url}/token`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    ...auth,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.body.refresh_token).toBeTypeOf('string');
  return response.body as unknown as Tokens;
}

/** POST /token with grant_type=refresh_token, authenticated as the client would be. */
async function refresh(
  refreshToken: string,
  client: RegisteredClient = web,
  extra: Record<string, string> = {},
  on: TestServer = server,
) {
  const auth =
    client.body.token_endpoint_auth_method === 'none'
      ? { client_id: client.clientId }
      : await assertionParams(client, `${on.url}/token`);
  return postForm(`${on.url}/token`, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    ...auth,
    ...extra,
  });
}

const isActive = async (token: string) => (await introspect(server, rs, token)).body.active;

function expectInvalidGrant(response: Awaited<ReturnType<typeof postForm>>) {
  expect(response.status).toBe(400);
  expect(response.body.error).toBe('invalid_grant');
  expect(response.body).not.toHaveProperty('access_token');
  expectNoStore(response.headers);
}

describe('code redemption needs the client key', () => {
  it('OA-FC-3 redeeming a code without client_assertion gets 401 invalid_client', async () => {
    const { code, verifier } = await obtainCode(server, web, user, WEB_CB);
    const fields = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: WEB_CB,
      code_verifier: verifier,
    };
    for (const without of [fields, { ...fields, client_id: web.clientId }]) {
      const response = await postForm(`${server.url}/token`, without);
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_client');
      expectNoStore(response.headers);
    }
    // The refused attempts did not use the code up: with the assertion it is redeemed.
    const redeemed = await postForm(`${server.url}/token`, {
      ...fields,
      ...(await assertionParams(web, `${server.url}/token`)),
    });
    expect(redeemed.status).toBe(200);
  });
});

describe('refresh tokens', () => {
  it('OA-JW-7 a refresh token is a JWS by the same key, with iss, azp, exp, jti, and its own typ', async () => {
    const tokens = await codeFlow();
    const jwks = createRemoteJWKSet(new URL(`${server.url}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.refresh_token, jwks, {
      issuer: server.url,
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toBe(decodeToken(tokens.access_token).header.kid);
    expect(protectedHeader.typ).not.toBe('at+jwt');
    expect(payload.azp).toBe(web.clientId);
    expect(Number.isInteger(payload.exp)).toBe(true);
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(payload.jti).not.toBe(decodeToken(tokens.access_token).payload.jti);
  });

  it('OA-LT-2 a refresh token lives at most 24 hours', async () => {
    const tokens = await codeFlow();
    const { payload } = decodeToken(tokens.refresh_token);
    expect(Number(payload.exp) - Number(payload.iat)).toBeLessThanOrEqual(86400);
    const refreshed = await refresh(tokens.refresh_token);
    const next = decodeToken(String(refreshed.body.refresh_token)).payload;
    expect(Number(next.exp) - Number(next.iat)).toBeLessThanOrEqual(86400);
  });

  it('OA-FC-5 refresh with private_key_jwt gives a new access token; without auth 401', async () => {
    const tokens = await codeFlow();
    const anonymous = await postForm(`${server.url}/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: web.clientId,
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('invalid_client');

    const response = await refresh(tokens.refresh_token);
    expect(response.status).toBe(200);
    expectNoStore(response.headers);
    expect(response.body).toMatchObject({ token_type: 'Bearer', scope: SCOPE });
    expect(response.body.access_token).not.toBe(tokens.access_token);
    const access = decodeToken(String(response.body.access_token));
    expect(access.header.typ).toBe('at+jwt');
    expect(access.payload).toMatchObject({ sub: user.sub, azp: web.clientId, scope: SCOPE });
    expect(await isActive(String(response.body.access_token))).toBe(true);
  });

  it('rotates: each use answers a new refresh token and retires the one presented', async () => {
    const tokens = await codeFlow();
    const first = await refresh(tokens.refresh_token);
    expect(first.status).toBe(200);
    const rotated = String(first.body.refresh_token);
    expect(rotated).not.toBe(tokens.refresh_token);
    const second = await refresh(rotated);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(rotated);
  });

  it('a replayed refresh token gets invalid_grant and ends its whole chain (RFC 9700 §4.14.2)', async () => {
    const tokens = await codeFlow();
    const first = await refresh(tokens.refresh_token);
    const second = await refresh(String(first.body.refresh_token));
    expect(second.status).toBe(200);
    const current = {
      access: String(second.body.access_token),
      refresh: String(second.body.refresh_token),
    };
    expect(await isActive(current.access)).toBe(true);

    expectInvalidGrant(await refresh(tokens.refresh_token));

    // The legitimate holder's newest tokens are gone too, and so is the code's access token.
    expect(await isActive(current.access)).toBe(false);
    expect(await isActive(tokens.access_token)).toBe(false);
    expectInvalidGrant(await refresh(current.refresh));
  });

  it('lets exactly one of several concurrent uses of one refresh token through', async () => {
    const tokens = await codeFlow();
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => refresh(tokens.refresh_token)),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.body.error === 'invalid_grant')).toHaveLength(3);
  });

  it('narrows scope for the access token only; widening is invalid_scope', async () => {
    const tokens = await codeFlow();
    const widened = await refresh(tokens.refresh_token, web, { scope: `${SCOPE} patient/*.write` });
    expect(widened.status).toBe(400);
    expect(widened.body.error).toBe('invalid_scope');

    const narrowed = await refresh(tokens.refresh_token, web, { scope: 'patient/*.read' });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe('patient/*.read');
    expect(decodeToken(String(narrowed.body.access_token)).payload.scope).toBe('patient/*.read');
    expect((await introspect(server, rs, String(narrowed.body.access_token))).body.scope).toBe(
      'patient/*.read',
    );

    // RFC 6749 §6: the new refresh token keeps the original scope.
    const restored = await refresh(String(narrowed.body.refresh_token));
    expect(restored.status).toBe(200);
    expect(restored.body.scope).toBe(SCOPE);
  });

  it("refuses another client's refresh token without harming its owner", async () => {
    const tokens = await codeFlow();
    const other = await registerCodeClient(server);
    expectInvalidGrant(await refresh(tokens.refresh_token, other));
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
  });

  it('refuses garbage, an access token and a forged refresh token with invalid_grant', async () => {
    const tokens = await codeFlow();
    expectInvalidGrant(await refresh('garbage'));
    expectInvalidGrant(await refresh(tokens.access_token));
    const [header, payload, signature] = tokens.refresh_token.split('.') as [
      string,
      string,
      string,
    ];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 0x01;
    expectInvalidGrant(await refresh(`${header}.${payload}.${bytes.toString('base64url')}`));
    const missing = await postForm(`${server.url}/token`, {
      grant_type: 'refresh_token',
      ...(await assertionParams(web, `${server.url}/token`)),
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
  });

  it('OA-NC-13 a public native client refreshes without authentication, its own tokens only', async () => {
    const tokens = await codeFlow(native);
    const response = await refresh(tokens.refresh_token, native);
    expect(response.status).toBe(200);
    expect(response.body.refresh_token).toBeTypeOf('string');
    expect(decodeToken(String(response.body.access_token)).payload.azp).toBe(native.clientId);

    const otherCopy = await registerNativeClient(server);
    expectInvalidGrant(await refresh(String(response.body.refresh_token), otherCopy));
    // Nor may a confidential client use a public client's refresh token.
    expectInvalidGrant(await refresh(String(response.body.refresh_token), web));
    expect((await refresh(String(response.body.refresh_token), native)).status).toBe(200);
  });

  it('OA-IN-2 a refresh token is never active at introspection', async () => {
    const tokens = await codeFlow();
    expect((await introspect(server, rs, tokens.refresh_token)).body).toEqual({ active: false });
  });

  it('an expired refresh token gets invalid_grant', async () => {
    const brief = await startKardia({ refreshTokenTtl: 2 });
    try {
      const there = await registerCodeClient(brief);
      const tokens = await codeFlow(there, brief, await createTestUser(brief));
      const exp = Number(decodeToken(tokens.refresh_token).payload.exp);
      await new Promise((resolve) => setTimeout(resolve, (exp + 1) * 1000 - Date.now() + 100));
      expectInvalidGrant(await refresh(tokens.refresh_token, there, {}, brief));
    } finally {
      await brief.close();
    }
  });
});

describe('revoking refresh tokens', () => {
  it('OA-RV-1 a revoked refresh token gets invalid_grant, and its access tokens go inactive', async () => {
    const tokens = await codeFlow();
    const refreshed = await refresh(tokens.refresh_token);
    const current = String(refreshed.body.refresh_token);
    const access = String(refreshed.body.access_token);
    expect(await isActive(access)).toBe(true);

    const answer = await revoke(server, web, { token: current, token_type_hint: 'refresh_token' });
    expect(answer.status).toBe(200);

    expect(await isActive(access)).toBe(false);
    expect(await isActive(tokens.access_token)).toBe(false);
    expectInvalidGrant(await refresh(current));
  });

  it('OA-RV-1 revoking the refresh token from a code ends the access token issued with it', async () => {
    const tokens = await codeFlow();
    expect(await isActive(tokens.access_token)).toBe(true);
    expect((await revoke(server, web, { token: tokens.refresh_token })).status).toBe(200);
    expect(await isActive(tokens.access_token)).toBe(false);
    expectInvalidGrant(await refresh(tokens.refresh_token));
  });

  it("OA-RV-2 a client cannot revoke another client's refresh token", async () => {
    const tokens = await codeFlow();
    const other = await registerCodeClient(server);
    expect((await revoke(server, other, { token: tokens.refresh_token })).status).toBe(200);
    expect(await isActive(tokens.access_token)).toBe(true);
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
  });

  it('revoking an access token leaves the refresh token usable', async () => {
    const tokens = await codeFlow();
    expect((await revoke(server, web, { token: tokens.access_token })).status).toBe(200);
    expect(await isActive(tokens.access_token)).toBe(false);
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
  });
});
