import { createHash } from 'node:crypto';
import { compactDecrypt, decodeJwt, decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IMPLICIT_CLIENT,
  postRegistration,
  registerCodeClient,
  registerImplicitClient,
  type RegisteredClient,
} from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { responseParams, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { authorizeRedirect, random, verifyIdToken, WEB_CB } from './flow.js';
import { signingAndEncryptionKeys } from './keys.js';

/**
 * The OpenID implicit flow (OIDC Core §3.2) for HEART's browser-embedded clients: `id_token
 * token` and `id_token`, answered in the fragment, with `nonce` required and `at_hash` beside an
 * access token; registration of those response types by implicit clients; discovery; and
 * openid-client 6 validating an implicit ID token as an independent RP.
 */
const SPA_CB = 'https://spa.example/callback';
const OIDC_IMPLICIT_TYPES = ['token', 'id_token token', 'id_token'];

let server: TestServer;
let user: TestUser;
let spa: RegisteredClient;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server, { email: 'pat@example.org', name: 'Pat Example' });
  spa = await registerImplicitClient(server, {
    response_types: OIDC_IMPLICIT_TYPES,
    scope: 'openid profile email patient/*.read',
  });
});
afterAll(() => server.close());

const implicitRequest = (responseType: string, extra: Record<string, string> = {}) => {
  const params: Record<string, string> = {
    client_id: spa.clientId,
    redirect_uri: SPA_CB,
    response_type: responseType,
    scope: 'openid patient/*.read',
    state: random(),
    nonce: random(),
    ...extra,
  };
  for (const [name, value] of Object.entries(params)) if (value === '') delete params[name];
  return params;
};

/** Walks the request through login and consent; answers the fragment's parameters. */
async function implicitLogin(params: Record<string, string>, agent = new UserAgent(server)) {
  const result = await agent.authorize(params, {
    username: user.username,
    password: user.password,
  });
  const url = new URL(result.location);
  expect(`${url.origin}${url.pathname}`).toBe(SPA_CB);
  expect(url.search).toBe('');
  expect(url.hash).not.toBe('');
  return responseParams(result.location);
}

/** OIDC Core §3.1.3.6: base64url of the left half of the SHA-256 of the access token. */
const expectedHalfHash = (value: string) =>
  createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');

const signedInAgent = async () => {
  const agent = new UserAgent(server);
  await agent.signIn(user.username, user.password);
  return agent;
};

describe('registration of the OpenID implicit response types', () => {
  it('OIDC-DR-2 OA-DR-2 accepts an implicit client registering token, id_token token and id_token', async () => {
    expect(spa.body.grant_types).toEqual(['implicit']);
    expect(spa.body.response_types).toEqual(OIDC_IMPLICIT_TYPES);
    expect(spa.body.token_endpoint_auth_method).toBe('none');

    // RFC 7591 §2: response_types alone imply the grant; the word order of a type is free.
    const { status, body } = await postRegistration(server, {
      ...IMPLICIT_CLIENT,
      grant_types: undefined,
      response_types: ['token id_token'],
    });
    expect(status).toBe(201);
    expect(body.grant_types).toEqual(['implicit']);
    expect(body.response_types).toEqual(['id_token token']);
  });

  it('OIDC-DR-2 OA-GT-2 refuses implicit response types with another grant, and code with implicit', async () => {
    for (const metadata of [
      { grant_types: ['authorization_code'], response_types: ['id_token'] },
      { grant_types: ['authorization_code'], response_types: ['code', 'id_token token'] },
      { grant_types: ['implicit'], response_types: ['code', 'id_token'] },
      { grant_types: ['implicit'], response_types: ['code id_token'] },
      { grant_types: ['implicit'], response_types: [] },
    ]) {
      const { status, body } = await postRegistration(server, { ...IMPLICIT_CLIENT, ...metadata });
      expect(status, JSON.stringify(metadata)).toBe(400);
      expect(body.error).toBe('invalid_client_metadata');
    }
  });
});

describe('response_type=id_token token', () => {
  it('OIDC-ID-15 OIDC-ID-8 OA-BE-3 OA-BE-4 answers an access token and an ID token with at_hash and nonce in the fragment', async () => {
    const params = implicitRequest('id_token token');
    const response = await implicitLogin(params);
    expect(response.state).toBe(params.state);
    expect(response.token_type).toBe('Bearer');
    expect(response.scope).toBe('openid patient/*.read');
    expect(Number(response.expires_in)).toBeGreaterThan(0);
    expect(Number(response.expires_in)).toBeLessThanOrEqual(900);
    expect(response.refresh_token).toBeUndefined();
    expect(response.code).toBeUndefined();

    const accessToken = response.access_token ?? '';
    const claims = await verifyIdToken(server, response.id_token ?? '', spa.clientId);
    expect(claims.at_hash).toBe(expectedHalfHash(accessToken));
    expect(claims.nonce).toBe(params.nonce);
    expect(claims.c_hash).toBeUndefined();
    // §5.4: with an access token, the profile and email claims come from UserInfo instead.
    expect(claims.email).toBeUndefined();
  });

  it('OIDC-ID-1 OIDC-ID-3 OIDC-ID-5 OIDC-ID-6 OIDC-ID-10 OIDC-ID-11 signs a short-lived ID token for the client', async () => {
    const response = await implicitLogin(implicitRequest('id_token token'));
    const idToken = response.id_token ?? '';
    expect(decodeProtectedHeader(idToken)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const claims = await verifyIdToken(server, idToken, spa.clientId);
    expect(claims.iss).toBe(server.url);
    expect(claims.aud).toBe(spa.clientId);
    const { exp = 0, iat = 0, nbf = 0 } = claims;
    expect(exp - iat).toBeGreaterThan(0);
    expect(exp - iat).toBeLessThanOrEqual(300);
    expect(nbf).toBeLessThanOrEqual(iat);
    expect(Number.isInteger(claims.auth_time)).toBe(true);
    expect(claims.jti).toEqual(expect.any(String));
  });

  it('OIDC-ID-7 OIDC-UI-1 gives the same sub in the ID token and at UserInfo with the access token', async () => {
    const response = await implicitLogin(implicitRequest('id_token token'));
    const claims = decodeJwt(response.id_token ?? '');
    const info = await fetch(`${server.url}/userinfo`, {
      headers: { authorization: `Bearer ${response.access_token ?? ''}` },
    });
    expect(info.status).toBe(200);
    expect(((await info.json()) as { sub: string }).sub).toBe(claims.sub);
    expect(claims.sub).toBe(user.sub);
  });

  it('accepts the words of the response type in either order', async () => {
    const response = await implicitLogin(implicitRequest('token id_token'));
    expect(response.access_token).toBeTruthy();
    expect(response.id_token).toBeTruthy();
  });
});

describe('response_type=id_token', () => {
  it('OIDC-ID-8 answers the ID token alone, with the nonce and the claims of the scopes', async () => {
    const params = implicitRequest('id_token', { scope: 'openid profile email' });
    const response = await implicitLogin(params);
    expect(Object.keys(response).sort()).toEqual(['id_token', 'state']);
    expect(response.state).toBe(params.state);

    const claims = await verifyIdToken(server, response.id_token ?? '', spa.clientId);
    expect(claims.nonce).toBe(params.nonce);
    expect(claims.at_hash).toBeUndefined();
    // OIDC Core §5.4: no access token to reach UserInfo with, so the claims travel here.
    expect(claims).toMatchObject({
      sub: user.sub,
      name: 'Pat Example',
      preferred_username: user.username,
      email: 'pat@example.org',
      email_verified: true,
    });
    const tokens = await server.kardia.store.db
      .selectFrom('tokens')
      .select('jti')
      .where('client_id', '=', spa.clientId)
      .where('sub', '=', user.sub)
      .execute();
    const before = tokens.length;
    await implicitLogin(implicitRequest('id_token'));
    const after = await server.kardia.store.db
      .selectFrom('tokens')
      .select('jti')
      .where('client_id', '=', spa.clientId)
      .where('sub', '=', user.sub)
      .execute();
    expect(after.length).toBe(before);
  });

  it('OIDC-VT-1 OIDC-ID-12 OIDC-ID-13 reports front-channel delivery (Ac) in vot, never Ab', async () => {
    const agent = await signedInAgent();
    const met = await implicitLogin(
      implicitRequest('id_token', { vtr: '["P1.Cc.Ab","P1.Cc.Ac"]' }),
      agent,
    );
    const claims = decodeJwt(met.id_token ?? '');
    expect(claims.vot).toBe('P1.Cc.Ac');
    expect(claims.vtm).toBe(`${server.url}/trustmark`);
    expect(claims.acr).toBeUndefined();

    const unmet = await authorizeRedirect(agent, implicitRequest('id_token', { vtr: '["P1.Ab"]' }));
    expect(unmet.location.startsWith(`${SPA_CB}#`)).toBe(true);
    expect(unmet.params.error).toBe('unmet_authentication_requirements');
  });

  it('OIDC-ID-2 encrypts the ID token to an implicit client that registered encryption', async () => {
    const { keys, encryption } = await signingAndEncryptionKeys();
    const sealed = await registerImplicitClient(server, {
      response_types: ['id_token'],
      scope: 'openid',
      jwks: keys.jwks,
      id_token_encrypted_response_alg: 'RSA-OAEP',
    });
    const response = await implicitLogin({
      ...implicitRequest('id_token', { scope: 'openid' }),
      client_id: sealed.clientId,
    });
    const jwe = response.id_token ?? '';
    expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'RSA-OAEP', cty: 'JWT' });
    const { plaintext } = await compactDecrypt(jwe, encryption.privateKey);
    const claims = await verifyIdToken(
      server,
      new TextDecoder().decode(plaintext),
      sealed.clientId,
    );
    expect(claims.sub).toBe(user.sub);
  });
});

describe('refusals of the implicit flow', () => {
  it('OIDC-RP-1 refuses id_token token and id_token without a nonce, in the fragment with state', async () => {
    const agent = await signedInAgent();
    for (const type of ['id_token token', 'id_token']) {
      const params = implicitRequest(type, { nonce: '' });
      const { status, location, params: answer } = await authorizeRedirect(agent, params);
      expect(status).toBe(302);
      expect(location.startsWith(`${SPA_CB}#error=invalid_request`)).toBe(true);
      expect(answer.state).toBe(params.state);
      expect(answer.id_token).toBeUndefined();
      expect(answer.access_token).toBeUndefined();
    }
  });

  it('OIDC-RP-1 refuses an ID token response type without the openid scope', async () => {
    const agent = await signedInAgent();
    for (const type of ['id_token token', 'id_token']) {
      const params = implicitRequest(type, { scope: 'patient/*.read' });
      const answer = await authorizeRedirect(agent, params);
      expect(answer.location.startsWith(`${SPA_CB}#`)).toBe(true);
      expect(answer.params.error).toBe('invalid_request');
      expect(answer.params.state).toBe(params.state);
    }
  });

  it('OA-AZ-9 lets a client use only the response types it registered', async () => {
    const agent = await signedInAgent();
    const tokenOnly = await registerImplicitClient(server, { scope: 'openid patient/*.read' });
    const refused = await authorizeRedirect(agent, {
      ...implicitRequest('id_token token'),
      client_id: tokenOnly.clientId,
    });
    expect(refused.location.startsWith(`${SPA_CB}#`)).toBe(true);
    expect(refused.params.error).toBe('unauthorized_client');

    const web = await registerCodeClient(server);
    for (const type of ['id_token token', 'id_token']) {
      const params = { ...implicitRequest(type), client_id: web.clientId, redirect_uri: WEB_CB };
      const answer = await authorizeRedirect(agent, params);
      expect(answer.location.startsWith(`${WEB_CB}?`)).toBe(true);
      expect(answer.params.error).toBe('unauthorized_client');
    }
  });

  it('refuses response_mode=query for a response that carries tokens', async () => {
    const agent = await signedInAgent();
    const answer = await authorizeRedirect(
      agent,
      implicitRequest('id_token', { response_mode: 'query' }),
    );
    expect(answer.location.startsWith(`${SPA_CB}#`)).toBe(true);
    expect(answer.params.error).toBe('invalid_request');
  });

  it('answers prompt=none without a session with login_required in the fragment', async () => {
    const params = implicitRequest('id_token token', { prompt: 'none' });
    const answer = await authorizeRedirect(new UserAgent(server), params);
    expect(answer.location.startsWith(`${SPA_CB}#`)).toBe(true);
    expect(answer.params.error).toBe('login_required');
    expect(answer.params.state).toBe(params.state);
  });
});

describe('discovery', () => {
  it('OIDC-DS-1 OIDC-ID-15 lists id_token token and id_token, which are answered', async () => {
    const metadata = (await (
      await fetch(`${server.url}/.well-known/openid-configuration`)
    ).json()) as { response_types_supported: string[]; response_modes_supported: string[] };
    expect(metadata.response_types_supported).toEqual(
      expect.arrayContaining(['code', 'token', 'id_token token', 'id_token']),
    );
    expect(metadata.response_modes_supported).toContain('fragment');
    for (const type of metadata.response_types_supported.filter((t) => t.includes('id_token'))) {
      const response = await implicitLogin(implicitRequest(type));
      expect(response.id_token, type).toBeTruthy();
    }
  });
});

describe('openid-client 6 as an implicit relying party', () => {
  it('OIDC-CF-3 OIDC-RP-3 OIDC-RP-4 validates an ID token from response_type=id_token', async () => {
    const config = await oidc.discovery(new URL(server.url), spa.clientId, {}, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    oidc.useIdTokenResponseType(config);
    const nonce = oidc.randomNonce();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: SPA_CB,
      scope: 'openid profile',
      nonce,
      state,
    });
    expect(url.searchParams.get('response_type')).toBe('id_token');
    const walk = await new UserAgent(server).authorize(url.toString(), {
      username: user.username,
      password: user.password,
    });
    const claims = await oidc.implicitAuthentication(config, new URL(walk.location), nonce, {
      expectedState: state,
    });
    expect(claims).toMatchObject({ iss: server.url, aud: spa.clientId, sub: user.sub, nonce });
    expect(claims.preferred_username).toBe(user.username);

    const wrongNonce = await new UserAgent(server).authorize(url.toString(), {
      username: user.username,
      password: user.password,
    });
    await expect(
      oidc.implicitAuthentication(config, new URL(wrongNonce.location), oidc.randomNonce(), {
        expectedState: state,
      }),
    ).rejects.toMatchObject({
      code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      cause: { cause: { claim: 'nonce' } },
    });
  });
});
