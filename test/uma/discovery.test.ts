import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKardia, type TestServer } from '../helpers/server.js';
import { discoverUma, parseUmaChallenge, UMA_TICKET_GRANT } from '../helpers/uma-client.js';

/** The UMA discovery document (UMA grant §2, federated authorization §2, heart-uma2.md 1.1). */
let server: TestServer;
let tls: TestServer;
let uma: Record<string, unknown>;

beforeAll(async () => {
  server = await startKardia();
  // The issuer is https; the test still reaches it over its loopback socket.
  tls = await startKardia({ issuer: 'https://as.example/t1' });
  uma = await discoverUma(server.url);
});
afterAll(async () => {
  await server.close();
  await tls.close();
});

const get = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, body: await response.json() };
};

describe('UMA discovery', () => {
  it('UMA-DISC-1 lives at the issuer with /.well-known/uma2-configuration appended', async () => {
    const answer = await get(`${server.url}/.well-known/uma2-configuration`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body.issuer).toBe(server.url);
  });

  it('UMA-DISC-2 the issuer equals the as_uri a client derives the document from', async () => {
    const challenge = parseUmaChallenge(
      `UMA realm="kardia", as_uri="${server.url}", ticket="t-1", Bearer realm="kardia"`,
    );
    expect(challenge?.asUri).toBe(server.url);
    const derived = await discoverUma(challenge?.asUri ?? '');
    expect(derived.issuer).toBe(challenge?.asUri);
  });

  it('UMA-DISC-3 names the permission and resource registration endpoints as absolute URLs', () => {
    expect(uma.permission_endpoint).toBe(`${server.url}/uma/permission`);
    expect(uma.resource_registration_endpoint).toBe(`${server.url}/uma/resources`);
    expect(URL.canParse(String(uma.permission_endpoint))).toBe(true);
  });

  it('UMA-DISC-4 lists the introspection endpoint', () => {
    expect(uma.introspection_endpoint).toBe(`${server.url}/introspect`);
  });

  it('UMA-DISC-5 carries issuer, token, authorization endpoints and response types', () => {
    for (const member of [
      'issuer',
      'token_endpoint',
      'authorization_endpoint',
      'response_types_supported',
    ]) {
      expect(uma[member], member).toBeTruthy();
    }
    expect(uma.response_types_supported).toContain('code');
  });

  it('UMA-DISC-6 publishes the claims interaction endpoint', () => {
    expect(uma.claims_interaction_endpoint).toBe(`${server.url}/uma/claims`);
  });

  it('UMA-DISC-7 HU-7 uma_profiles_supported names the HEART UMA 2.0 profile', () => {
    expect(uma.uma_profiles_supported).toContain(
      'https://openid.net/specs/openid-heart-uma2-1_0.html',
    );
  });

  it('UMA-DISC-8 lists the uma-ticket grant with the code, refresh and client credentials grants', () => {
    expect(uma.grant_types_supported).toEqual(
      expect.arrayContaining([
        UMA_TICKET_GRANT,
        'authorization_code',
        'refresh_token',
        'client_credentials',
      ]),
    );
  });

  it('lists uma_protection and uma_policy scopes and the owner-facing extension endpoints', () => {
    expect(uma.scopes_supported).toEqual(expect.arrayContaining(['uma_protection', 'uma_policy']));
    expect(uma.policy_endpoint).toBe(`${server.url}/uma/policies`);
    expect(uma.access_request_endpoint).toBe(`${server.url}/uma/access-requests`);
    expect(uma.owner_resources_endpoint).toBe(`${server.url}/uma/owner-resources`);
  });

  it('HU-5 the UMA and OpenID documents agree on issuer and shared endpoints', async () => {
    const openid = await get(`${server.url}/.well-known/openid-configuration`);
    expect(openid.status).toBe(200);
    for (const member of ['issuer', 'token_endpoint', 'jwks_uri', 'introspection_endpoint']) {
      expect(uma[member], member).toBe(openid.body[member]);
    }
  });

  it('HU-6 every published key has kid, kty and alg, and one is RS256', async () => {
    const jwks = await get(String(uma.jwks_uri));
    const keys = jwks.body.keys as Record<string, unknown>[];
    for (const key of keys) {
      expect(key.kid && key.kty && key.alg).toBeTruthy();
    }
    expect(keys.some((key) => key.alg === 'RS256')).toBe(true);
  });

  it('HU-8 private_key_jwt with RS256, and no secret-based method', () => {
    const methods = uma.token_endpoint_auth_methods_supported as string[];
    expect(methods).toContain('private_key_jwt');
    expect(methods.filter((m) => m.startsWith('client_secret'))).toEqual([]);
    expect(uma.token_endpoint_auth_signing_alg_values_supported).toContain('RS256');
  });

  it('UMA-GEN-3 HU-9 with an https issuer every advertised URL is https', async () => {
    const document = await get(`${tls.url}/.well-known/uma2-configuration`);
    expect(document.body.issuer).toBe('https://as.example/t1');
    const urls = Object.entries(document.body as Record<string, unknown>).filter(
      ([name, value]) => typeof value === 'string' && /(_endpoint|_uri|^issuer)$/.test(name),
    );
    expect(urls.length).toBeGreaterThan(8);
    for (const [name, value] of urls) expect(String(value), name).toMatch(/^https:\/\//);
  });
});
