import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientCredentialsToken,
  decodeToken,
  expectNoStore,
  introspect,
  requestToken,
} from '../helpers/back-channel.js';
import {
  resourceServer,
  staticClientCredentialsClient,
  type TestClient,
} from '../helpers/clients.js';
import { startKardia, type TestServer } from '../helpers/server.js';

/** The client-credentials grant for HEART direct-access clients (§2.1.4) and its tokens (§3.2.1). */
let server: TestServer;
let client: TestClient;
let rs: TestClient;
const REGISTERED = 'system/*.read system/Observation.write';

beforeAll(async () => {
  server = await startKardia();
  client = await staticClientCredentialsClient(server, REGISTERED);
  rs = await resourceServer(server);
});
afterAll(() => server.close());

const grant = (fields: Record<string, string> = {}) =>
  requestToken(server, client, { grant_type: 'client_credentials', ...fields });

describe('client credentials', () => {
  it('OA-DA-1 OA-GT-1 answers access_token, token_type, expires_in and scope', async () => {
    const response = await grant({ scope: 'system/*.read' });
    expect(response.status).toBe(200);
    expectNoStore(response.headers);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body).toMatchObject({ token_type: 'Bearer', scope: 'system/*.read' });
    expect(response.body.access_token).toBeTypeOf('string');
    expect(response.body.expires_in).toBeTypeOf('number');
  });

  it('OA-DA-2 never answers a refresh token', async () => {
    for (const scope of [undefined, 'system/*.read']) {
      const response = await grant(scope ? { scope } : {});
      expect(response.status).toBe(200);
      expect(response.body).not.toHaveProperty('refresh_token');
    }
    const offline = await grant({ scope: 'offline_access' });
    expect(offline.status).toBe(400);
    expect(offline.body.error).toBe('invalid_scope');
  });

  it('OA-SC-1 a request without scope gets the registered scope, in the reply and at introspection', async () => {
    const response = await grant();
    expect(response.status).toBe(200);
    expect(response.body.scope).toBe(REGISTERED);
    const answer = await introspect(server, rs, String(response.body.access_token));
    expect(answer.body.scope).toBe(REGISTERED);
    expect(decodeToken(String(response.body.access_token)).payload.scope).toBe(REGISTERED);
  });

  it('grants a subset of the registered scope, and refuses anything outside it', async () => {
    const narrowed = await grant({ scope: 'system/Observation.write' });
    expect(narrowed.body.scope).toBe('system/Observation.write');

    for (const scope of ['system/*.write', 'system/*.read openid', 'uma_protection', 'a\\b']) {
      const response = await grant({ scope });
      expect(response.status, scope).toBe(400);
      expect(response.body.error, scope).toBe('invalid_scope');
    }
  });

  it('OA-LT-4 an access token lives at most six hours', async () => {
    const response = await grant();
    const expiresIn = Number(response.body.expires_in);
    expect(expiresIn).toBeLessThanOrEqual(21600);
    expect(expiresIn).toBe(server.kardia.settings.clientCredentialsAccessTokenTtl);
    const { payload } = decodeToken(String(response.body.access_token));
    expect(Number(payload.exp) - Number(payload.iat)).toBeLessThanOrEqual(21600);
    expect(Number(payload.exp) - Number(payload.iat)).toBe(expiresIn);
  });

  it('OA-JW-1 OA-JW-9 the token is a JWT with iss, azp, integer exp and iat, and a 256-bit jti', async () => {
    const token = await clientCredentialsToken(server, client);
    expect(token.split('.')).toHaveLength(3);
    const { header, payload } = decodeToken(token);
    const now = Math.floor(Date.now() / 1000);
    expect(header.typ).toBe('at+jwt');
    expect(payload.iss).toBe(server.url);
    expect(payload.azp).toBe(client.clientId);
    expect(Number.isInteger(payload.exp)).toBe(true);
    expect(Number(payload.exp)).toBeGreaterThan(now);
    expect(Number.isInteger(payload.iat)).toBe(true);
    expect(Math.abs(Number(payload.iat) - now)).toBeLessThanOrEqual(5);
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('OA-JW-2 200 tokens carry 200 distinct jti values', async () => {
    const jtis = new Set<unknown>();
    for (let round = 0; round < 20; round++) {
      const tokens = await Promise.all(
        Array.from({ length: 10 }, () => clientCredentialsToken(server, client)),
      );
      for (const token of tokens) jtis.add(decodeToken(token).payload.jti);
    }
    expect(jtis.size).toBe(200);
  });

  it('OA-JW-4 sub is the client_id, the same at introspection, and aud lists resource URIs', async () => {
    const token = await clientCredentialsToken(server, client);
    const { payload } = decodeToken(token);
    expect(payload.sub).toBe(client.clientId);
    const answer = await introspect(server, rs, token);
    expect(answer.body.sub).toBe(payload.sub);
    expect(answer.body.client_id).toBe(client.clientId);
    expect(Array.isArray(payload.aud)).toBe(true);
    for (const audience of payload.aud as string[]) expect(URL.canParse(audience)).toBe(true);
    expect(payload.aud).toContain(`${server.url}/fhir`);
  });

  it('OA-JW-5 OA-JW-6 the token is RS256-signed with a kid found in /jwks, and verifies there', async () => {
    const token = await clientCredentialsToken(server, client);
    const { header } = decodeToken(token);
    expect(header.alg).toBe('RS256');
    const { keys } = (await (await fetch(`${server.url}/jwks`)).json()) as {
      keys: { kid: string }[];
    };
    expect(keys.map((k) => k.kid)).toContain(header.kid);
    const verified = await jwtVerify(token, createRemoteJWKSet(new URL(`${server.url}/jwks`)), {
      issuer: server.url,
      algorithms: ['RS256', 'PS256', 'ES256'],
      typ: 'at+jwt',
    });
    expect(verified.payload.azp).toBe(client.clientId);
  });
});
