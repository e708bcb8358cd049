import { createHash } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCodeClient, type RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { requestToken } from '../helpers/back-channel.js';
import { assertionParams, postForm } from '../helpers/clients.js';
import { authenticationRequest, authorizeRedirect, codeFlow, WEB_CB } from './flow.js';

let server: TestServer;
let user: TestUser;
let client: RegisteredClient;
let agent: UserAgent;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server);
  client = await registerCodeClient(server);
  agent = new UserAgent(server);
});
afterAll(() => server.close());

describe('ID tokens', () => {
  it('OIDC-ID-1 OIDC-ID-4 signs every ID token with RS256 under a key from jwks_uri', async () => {
    const { idToken } = await codeFlow(server, agent, user, client);
    const header = decodeProtectedHeader(idToken);
    expect(header.alg).toBe('RS256');
    const { keys } = (await (await fetch(`${server.url}/jwks`)).json()) as {
      keys: { kid: string; use: string }[];
    };
    expect(keys.find((k) => k.kid === header.kid)?.use).toBe('sig');
  });

  it('OIDC-ID-3 OIDC-ID-10 OA-LT-5 expires within five minutes, with integer exp, iat and nbf', async () => {
    const { claims } = await codeFlow(server, agent, user, client);
    const now = Math.floor(Date.now() / 1000);
    for (const name of ['exp', 'iat', 'nbf'] as const) {
      expect(Number.isInteger(claims[name])).toBe(true);
    }
    const { exp = 0, iat = 0, nbf = 0 } = claims;
    expect(exp).toBeGreaterThan(iat);
    expect(exp - iat).toBeLessThanOrEqual(300);
    expect(nbf).toBeLessThanOrEqual(iat);
    expect(iat).toBeLessThanOrEqual(now + 60);
    expect(exp).toBeGreaterThan(now);
  });

  it('OIDC-ID-5 OIDC-ID-6 carries the issuer exactly and the client as audience', async () => {
    const { claims } = await codeFlow(server, agent, user, client);
    const metadata = (await (
      await fetch(`${server.url}/.well-known/openid-configuration`)
    ).json()) as { issuer: string };
    expect(claims.iss).toBe(metadata.issuer);
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    expect(audiences).toContain(client.clientId);
    if (audiences.length > 1) expect(claims.azp).toBe(client.clientId);
  });

  it('OIDC-ID-7 gives a stable ASCII sub, the same as UserInfo', async () => {
    const first = await codeFlow(server, agent, user, client);
    const second = await codeFlow(server, agent, user, client);
    const sub = String(first.claims.sub);
    expect(sub).toMatch(/^[\x21-\x7e]{1,255}$/);
    expect(second.claims.sub).toBe(sub);
    const info = await fetch(`${server.url}/userinfo`, {
      headers: { authorization: `Bearer ${String(first.tokens.access_token)}` },
    });
    expect(((await info.json()) as { sub: string }).sub).toBe(sub);
  });

  it('OIDC-ID-8 returns the nonce exactly as sent', async () => {
    const { claims } = await codeFlow(server, agent, user, client, { nonce: 'n-0S6_WzA2Mj' });
    expect(claims.nonce).toBe('n-0S6_WzA2Mj');
  });

  it('OIDC-ID-9 gives every ID token its own jti', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { claims } = await codeFlow(server, agent, user, client);
      seen.add(String(claims.jti));
    }
    expect(seen.size).toBe(50);
  });

  it('OIDC-ID-11 carries auth_time after a login and whenever max_age is sent', async () => {
    const fresh = await codeFlow(server, new UserAgent(server), user, client);
    expect(fresh.sawLogin).toBe(true);
    expect(Number.isInteger(fresh.claims.auth_time)).toBe(true);
    const withMaxAge = await codeFlow(server, agent, user, client, { max_age: '3600' });
    expect(Number.isInteger(withMaxAge.claims.auth_time)).toBe(true);
  });

  it('OIDC-ID-12 OIDC-ID-13 reports vot as a vector string and vtm as an absolute URI', async () => {
    const { claims } = await codeFlow(server, new UserAgent(server), user, client, {
      vtr: '["P1.Cc"]',
    });
    expect(typeof claims.vot).toBe('string');
    expect(claims.vot).toMatch(/^[PCMA][A-Za-z0-9]+(\.[PCMA][A-Za-z0-9]+)*$/);
    expect(new URL(String(claims.vtm)).href).toBe(`${server.url}/trustmark`);
  });

  it('OIDC-ID-14 gives acr only when it is one of the acr_values, and never with vtr', async () => {
    const acr = 'urn:kardia:acr:password';
    const asked = await codeFlow(server, agent, user, client, { acr_values: acr });
    expect(asked.claims.acr).toBe(acr);
    const unknown = await codeFlow(server, agent, user, client, { acr_values: 'urn:other' });
    expect(unknown.claims.acr).toBeUndefined();
    const both = await codeFlow(server, agent, user, client, {
      acr_values: acr,
      vtr: '["P1.Ca"]',
    });
    expect(both.claims.acr).toBeUndefined();
    expect(both.claims.vot).toBe('P1.Ca');
  });

  it('OIDC-ID-15 carries at_hash matching the access token issued beside it', async () => {
    const { claims, tokens } = await codeFlow(server, agent, user, client);
    const digest = createHash('sha256').update(String(tokens.access_token)).digest();
    expect(claims.at_hash).toBe(digest.subarray(0, 16).toString('base64url'));
  });
});

describe('authentication requests', () => {
  it('OIDC-RP-1 refuses a request without nonce by a redirect carrying state', async () => {
    const { params } = authenticationRequest(client, { nonce: '', state: 'keep-me' });
    const answer = await authorizeRedirect(agent, params);
    expect(answer.status).toBe(302);
    expect(answer.location.startsWith(WEB_CB)).toBe(true);
    expect(answer.params).toMatchObject({ error: 'invalid_request', state: 'keep-me' });
  });

  it('OIDC-RP-1 issues no ID token when openid was not asked for', async () => {
    const { params, verifier } = authenticationRequest(client, { scope: 'patient/*.read' });
    const walk = await agent.authorize(params, {
      username: user.username,
      password: user.password,
    });
    const code = new URL(walk.location).searchParams.get('code') ?? '';
    const token = await requestToken(server, client, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: WEB_CB,
      code_verifier: verifier,
    });
    expect(token.status).toBe(200);
    expect(token.body.id_token).toBeUndefined();
  });

  it('OIDC-RP-2 refuses a reused client assertion at the token endpoint', async () => {
    const { params, verifier } = authenticationRequest(client);
    const walk = await agent.authorize(params, {
      username: user.username,
      password: user.password,
    });
    const code = new URL(walk.location).searchParams.get('code') ?? '';
    const auth = await assertionParams(client, `${server.url}/token`);
    const fields = { grant_type: 'authorization_code', code, redirect_uri: WEB_CB };
    const first = await postForm(`${server.url}/token`, {
      ...fields,
      code_verifier: verifier,
      ...auth,
    });
    expect(first.status).toBe(200);
    const again = await postForm(`${server.url}/token`, { ...fields, ...auth });
    expect(again.status).toBe(401);
    expect(again.body.error).toBe('invalid_client');
  });
});
