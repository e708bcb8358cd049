import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenResponseExtensions } from '../../src/oauth/grants/authorization-code.js';
import { revokeConsent } from '../../src/oauth/consent-grants.js';
import { addStaticClient } from '../../src/oauth/static-registration.js';
import { sha256 } from '../../src/util/random.js';
import { decodeToken, expectNoStore, introspect, requestToken } from '../helpers/back-channel.js';
import { makeKeyPair, postForm, resourceServer, type TestClient } from '../helpers/clients.js';
import {
  CONFIDENTIAL_CODE_CLIENT,
  postRegistration,
  registerCodeClient,
  registerNativeClient,
  type RegisteredClient,
} from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { pkcePair, responseParams, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';

const WEB_CB = 'https://client.example/callback';
const NATIVE_CB = 'http://127.0.0.1/callback';
const PORTAL_CB = 'https://portal.example/cb';
const SCOPE = 'patient/*.read user/*.read';

let server: TestServer;
let user: TestUser;
let agent: UserAgent;
let web: RegisteredClient;
let other: RegisteredClient;
let native: RegisteredClient;
let portal: TestClient;
let rs: TestClient;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server);
  agent = new UserAgent(server);
  // OAuth without OpenID Connect: no `openid` scope, so no nonce is needed.
  web = await registerCodeClient(server, { scope: SCOPE });
  other = await registerCodeClient(server, { scope: SCOPE });
  native = await registerNativeClient(server, { scope: SCOPE });
  const keys = await makeKeyPair();
  const client = await addStaticClient(server.kardia, {
    name: 'Clinic portal',
    grant: 'authorization_code',
    jwks: keys.jwks,
    scope: 'patient/*.read',
    redirectUris: [PORTAL_CB],
  });
  portal = { clientId: client.clientId, keys, client };
  rs = await resourceServer(server);
});
afterAll(() => server.close());

/** Walks the user through /authorize for `clientId` and answers the code. */
async function getCode(
  clientId: string,
  redirectUri: string,
  extra: Record<string, string> = {},
): Promise<string> {
  const result = await agent.authorize(
    { client_id: clientId, redirect_uri: redirectUri, response_type: 'code', ...extra },
    { username: user.username, password: user.password },
  );
  const code = responseParams(result.location).code;
  if (!code) throw new Error(`no code: ${result.location}`);
  return code;
}

const redeem = (client: TestClient, code: string, extra: Record<string, string> = {}) =>
  requestToken(server, client, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: WEB_CB,
    ...extra,
  });

/** A public client redeems with its client_id and no assertion. */
const redeemPublic = (code: string, extra: Record<string, string> = {}) =>
  postForm(`${server.url}/token`, {
    grant_type: 'authorization_code',
    client_id: native.clientId,
    code,
    redirect_uri: NATIVE_CB,
    ...extra,
  });

function expectInvalidGrant(response: { status: number; body: Record<string, unknown> }) {
  expect(response.status).toBe(400);
  expect(response.body.error).toBe('invalid_grant');
  expect(response.body.access_token).toBeUndefined();
}

describe('redeeming a code', () => {
  it('OA-FC-3 OA-CA-1 requires the client assertion of a confidential client', async () => {
    const code = await getCode(web.clientId, WEB_CB);
    const response = await postForm(`${server.url}/token`, {
      grant_type: 'authorization_code',
      client_id: web.clientId,
      code,
      redirect_uri: WEB_CB,
    });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
  });

  it('OA-FC-4 needs a key of its own: none at registration is refused, and a borrowed key redeems nothing', async () => {
    const keyless = await postRegistration(server, {
      ...CONFIDENTIAL_CODE_CLIENT,
      scope: SCOPE,
    });
    expect(keyless.status).toBe(400);
    expect(keyless.body.error).toBe('invalid_client_metadata');

    const code = await getCode(web.clientId, WEB_CB);
    const borrowed = { clientId: web.clientId, keys: other.keys };
    const response = await redeem(borrowed, code);
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
    expect((await redeem(web, code)).status).toBe(200);
  });

  it('OA-FC-5 OA-LT-2 gives a confidential client an access token and a refresh token that refreshes', async () => {
    const code = await getCode(web.clientId, WEB_CB);
    const response = await redeem(web, code);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expectNoStore(response.headers);
    expect(response.body.token_type).toBe('Bearer');
    expect(response.body.scope).toBe(SCOPE);
    expect(Number(response.body.expires_in)).toBeLessThanOrEqual(3600);

    const access = decodeToken(String(response.body.access_token));
    expect(access.header.typ).toBe('at+jwt');
    expect(access.payload.azp).toBe(web.clientId);
    expect(access.payload.sub).toBe(user.sub);
    expect(Number(access.payload.exp) - Number(access.payload.iat)).toBeLessThanOrEqual(3600);
    const refresh = decodeToken(String(response.body.refresh_token));
    expect(Number(refresh.payload.exp) - Number(refresh.payload.iat)).toBeLessThanOrEqual(86400);

    const refreshed = await requestToken(server, web, {
      grant_type: 'refresh_token',
      refresh_token: String(response.body.refresh_token),
    });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(refreshed.body.access_token).toBeTruthy();

    const unauthenticated = await postForm(`${server.url}/token`, {
      grant_type: 'refresh_token',
      client_id: web.clientId,
      refresh_token: String(refreshed.body.refresh_token),
    });
    expect(unauthenticated.status).toBe(401);
  });

  it('OA-LT-2 follows the configured lifetimes', async () => {
    const custom = await startKardia({ accessTokenTtl: 600, refreshTokenTtl: 7200 });
    try {
      const client = await registerCodeClient(custom, { scope: SCOPE });
      const owner = await createTestUser(custom);
      const result = await new UserAgent(custom).authorize(
        { client_id: client.clientId, redirect_uri: WEB_CB, response_type: 'code' },
        { username: owner.username, password: owner.password },
      );
      const response = await requestToken(custom, client, {
        grant_type: 'authorization_code',
        code: responseParams(result.location).code ?? '',
        redirect_uri: WEB_CB,
      });
      expect(response.body.expires_in).toBe(600);
      const refresh = decodeToken(String(response.body.refresh_token)).payload;
      expect(Number(refresh.exp) - Number(refresh.iat)).toBe(7200);
    } finally {
      await custom.close();
    }
  }, 60_000);

  it('gives no refresh token to a client not registered for the refresh_token grant', async () => {
    const code = await getCode(portal.clientId, PORTAL_CB);
    const response = await redeem(portal, code, { redirect_uri: PORTAL_CB });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.refresh_token).toBeUndefined();
  });

  it('OA-SC-1 grants the registered scope when the request named none', async () => {
    const code = await getCode(portal.clientId, PORTAL_CB);
    const response = await redeem(portal, code, { redirect_uri: PORTAL_CB });
    expect(response.body.scope).toBe('patient/*.read');
    const introspection = await introspect(server, rs, String(response.body.access_token));
    expect(introspection.body.active).toBe(true);
    expect(introspection.body.scope).toBe('patient/*.read');
  });

  it('OA-AS-1 makes codes of 256 bits that never repeat, and stores only their hashes', async () => {
    const codes = [await getCode(web.clientId, WEB_CB), await getCode(web.clientId, WEB_CB)];
    expect(new Set(codes).size).toBe(2);
    for (const code of codes) {
      expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const rows = await server.kardia.store.db
        .selectFrom('authorization_codes')
        .select('code_hash')
        .where('code_hash', 'in', [code, sha256(code)])
        .execute();
      expect(rows.map((r) => r.code_hash)).toEqual([sha256(code)]);
    }
  });

  it('names the consent grant in its tokens and notes when the grant was used', async () => {
    const code = await getCode(web.clientId, WEB_CB);
    const row = await server.kardia.store.db
      .selectFrom('authorization_codes')
      .selectAll()
      .where('code_hash', '=', sha256(code))
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.extra)).toMatchObject({ amr: ['pwd'] });
    expect(row.auth_time).toBeGreaterThan(0);

    const response = await redeem(web, code);
    const jti = decodeToken(String(response.body.access_token)).payload.jti ?? '';
    const token = await server.kardia.store.db
      .selectFrom('tokens')
      .selectAll()
      .where('jti', '=', jti)
      .executeTakeFirstOrThrow();
    expect(token.grant_id).toBe(row.grant_id);
    expect(token.parent).toBe(row.code_hash);
    const grant = await server.kardia.store.db
      .selectFrom('consent_grants')
      .selectAll()
      .where('id', '=', row.grant_id)
      .executeTakeFirstOrThrow();
    expect(grant.last_used_at).not.toBeNull();
  });

  it('lets token response extensions add members from the code (the OpenID provider hook)', async () => {
    const extension = (
      redemption: { code: { extra: Record<string, unknown> } },
      response: Record<string, unknown>,
    ) => {
      response.test_auth_time = redemption.code.extra.auth_time;
    };
    tokenResponseExtensions.push(extension);
    try {
      const response = await redeem(web, await getCode(web.clientId, WEB_CB));
      expect(typeof response.body.test_auth_time).toBe('number');
    } finally {
      tokenResponseExtensions.splice(tokenResponseExtensions.indexOf(extension), 1);
    }
  });
});

describe('what makes a code worthless', () => {
  it('OA-TK-8 OA-AS-1 refuses a second redemption and revokes what the first produced', async () => {
    const code = await getCode(web.clientId, WEB_CB);
    const first = await redeem(web, code);
    expect(first.status).toBe(200);
    const accessToken = String(first.body.access_token);
    expect((await introspect(server, rs, accessToken)).body.active).toBe(true);

    expectInvalidGrant(await redeem(web, code));
    expect((await introspect(server, rs, accessToken)).body).toEqual({ active: false });
    const refreshed = await requestToken(server, web, {
      grant_type: 'refresh_token',
      refresh_token: String(first.body.refresh_token),
    });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('OA-TK-8 binds a code to its client and its redirect URI', async () => {
    const code = await getCode(web.clientId, WEB_CB);
    expectInvalidGrant(await redeem(other, code));
    expectInvalidGrant(await redeem(web, code, { redirect_uri: `${WEB_CB}/` }));
    const { status, body } = await requestToken(server, web, {
      grant_type: 'authorization_code',
      code,
    });
    expectInvalidGrant({ status, body });
    // None of the refused attempts used it up: the rightful redemption still works.
    expect((await redeem(web, code)).status).toBe(200);
  });

  it('OA-TK-8 refuses an expired code', async () => {
    const code = await getCode(web.clientId, WEB_CB);
    await server.kardia.store.db
      .updateTable('authorization_codes')
      .set({ expires_at: Math.floor(Date.now() / 1000) - 1 })
      .where('code_hash', '=', sha256(code))
      .execute();
    expectInvalidGrant(await redeem(web, code));
  });

  it('OA-TK-8 lives settings.codeTtl seconds', async () => {
    const code = await getCode(web.clientId, WEB_CB);
    const row = await server.kardia.store.db
      .selectFrom('authorization_codes')
      .select('expires_at')
      .where('code_hash', '=', sha256(code))
      .executeTakeFirstOrThrow();
    const now = Math.floor(Date.now() / 1000);
    expect(row.expires_at - now).toBeLessThanOrEqual(60);
    expect(row.expires_at - now).toBeGreaterThan(50);
  });

  it('refuses an unknown code and a code whose consent grant was revoked', async () => {
    expectInvalidGrant(await redeem(web, 'x'.repeat(43)));
    const owner = await createTestUser(server);
    const ownAgent = new UserAgent(server);
    const result = await ownAgent.authorize(
      { client_id: web.clientId, redirect_uri: WEB_CB, response_type: 'code' },
      { username: owner.username, password: owner.password },
    );
    const code = responseParams(result.location).code ?? '';
    const grant = await server.kardia.store.db
      .selectFrom('consent_grants')
      .select('id')
      .where('sub', '=', owner.sub)
      .executeTakeFirstOrThrow();
    await revokeConsent(server.kardia, owner.sub, grant.id);
    expectInvalidGrant(await redeem(web, code));
  });

  it('answers invalid_request when the code is missing', async () => {
    const response = await requestToken(server, web, {
      grant_type: 'authorization_code',
      redirect_uri: WEB_CB,
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
  });
});

describe('PKCE at /token', () => {
  it('OA-NC-11 OA-PK-1 holds a public client to its verifier: missing, wrong or short is invalid_grant', async () => {
    const { verifier, challenge } = pkcePair();
    const code = await getCode(native.clientId, NATIVE_CB, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expectInvalidGrant(await redeemPublic(code));
    expectInvalidGrant(await redeemPublic(code, { code_verifier: pkcePair().verifier }));
    expectInvalidGrant(await redeemPublic(code, { code_verifier: verifier.slice(0, 42) }));
    expectInvalidGrant(await redeemPublic(code, { code_verifier: `${verifier}!` }));
    const response = await redeemPublic(code, { code_verifier: verifier });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.access_token).toBeTruthy();
  });

  it('OA-NC-9 lets a confidential client use PKCE, and then enforces it', async () => {
    const { verifier, challenge } = pkcePair();
    const code = await getCode(web.clientId, WEB_CB, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expectInvalidGrant(await redeem(web, code));
    const response = await redeem(web, code, { code_verifier: verifier });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  });

  it('OA-PK-1 refuses a verifier sent for a code issued without a challenge', async () => {
    const code = await getCode(web.clientId, WEB_CB);
    expectInvalidGrant(await redeem(web, code, { code_verifier: pkcePair().verifier }));
  });

  it('accepts verifiers of 43 and of 128 characters from the whole unreserved set', async () => {
    const { createHash } = await import('node:crypto');
    for (const verifier of ['A'.repeat(43), `${'aZ0-._~'.repeat(18)}ab`]) {
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const code = await getCode(native.clientId, NATIVE_CB, {
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const response = await redeemPublic(code, { code_verifier: verifier });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    }
  });
});
