import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKardia, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startKardia();
});
afterAll(() => server.close());

describe('discovery and server keys', () => {
  it('OA-DS-1 publishes absolute endpoint URLs with issuer equal to the base URL', async () => {
    for (const path of [
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      const metadata = (await response.json()) as Record<string, string>;
      expect(metadata.issuer).toBe(server.url);
      for (const name of [
        'authorization_endpoint',
        'token_endpoint',
        'introspection_endpoint',
        'revocation_endpoint',
        'jwks_uri',
      ]) {
        expect(metadata[name]).toMatch(new RegExp(`^${server.url}/`));
      }
    }
  });

  it('OA-DS-3 sends week-long cache headers on discovery', async () => {
    const response = await fetch(`${server.url}/.well-known/openid-configuration`);
    expect(response.headers.get('cache-control')).toMatch(/max-age=(\d+)/);
    const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(604800);
  });

  it('OA-DS-4 OA-DS-5 OA-DS-6 publishes a JWK Set of public RSA keys with kid, kty, alg', async () => {
    const response = await fetch(`${server.url}/jwks`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('max-age=604800');
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.some((k) => k.kty === 'RSA')).toBe(true);
    for (const key of keys) {
      expect(key.kid && key.kty && key.alg).toBeTruthy();
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
        expect(key).not.toHaveProperty(secret);
    }
    expect(new Set(keys.map((k) => k.kid)).size).toBe(keys.length);
  });

  it('OA-PK-2 OA-TK-6 advertises S256 only and no symmetric or none algorithms', async () => {
    const metadata = (await (
      await fetch(`${server.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, string[]>;
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    const algs = metadata.token_endpoint_auth_signing_alg_values_supported ?? [];
    expect(algs).toContain('RS256');
    expect(algs.some((a) => a.startsWith('HS') || a === 'none')).toBe(false);
  });

  it('OA-GEN-5 does not advertise the password grant', async () => {
    const metadata = (await (
      await fetch(`${server.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, string[]>;
    expect(metadata.grant_types_supported).not.toContain('password');
  });
});
