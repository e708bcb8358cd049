import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader, SignJWT, UnsecuredJWT } from 'jose';
import { addSigningKey } from '../../src/keys/keystore.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentialsToken, revoke } from '../helpers/back-channel.js';
import { makeKeyPair, staticClientCredentialsClient, type TestClient } from '../helpers/clients.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import {
  authorize,
  bearer,
  expectAllowed,
  expectRefused,
  introspections,
  lastAllowedAfter,
  signWithAsKey,
} from './helpers.js';

/**
 * HEART OAuth §4 (OA-PR-*) at Kardia's FHIR server, one-process mode: real tokens from the real
 * /token endpoint, checked by the RS's access control, which reaches the AS only over HTTP.
 */
let server: TestServer;
let client: TestClient;
let fhir: string;

beforeAll(async () => {
  server = await startKardia();
  fhir = `${server.url}/fhir`;
  client = await staticClientCredentialsClient(server, 'user/*.read user/Observation.write');
});
afterAll(() => server.close());

const PLAIN_CHALLENGE = (realm: string) => new RegExp(`^Bearer realm="${realm}"$`);
const INVALID_TOKEN = /^Bearer realm="[^"]+", error="invalid_token"/;

describe('bearer tokens at the FHIR server', () => {
  it('OA-PR-1 accepts a token in the Authorization: Bearer header', async () => {
    const token = await clientCredentialsToken(server, client, 'user/*.read');
    const caller = expectAllowed(await authorize(server, bearer(token)));
    expect(caller.audit).toMatchObject({ client_id: client.clientId, via: 'oauth' });
    // The bearer scheme name is case-insensitive (RFC 7235 §2.1).
    const lower = { ...bearer(token), authorization: `bearer ${token}` };
    expectAllowed(await authorize(server, lower));
  });

  it('OA-PR-2 accepts the access_token parameter consistently, and refuses two at once', async () => {
    const token = await clientCredentialsToken(server, client, 'user/*.read');
    const asParameter = { ...bearer(undefined), accessTokenParameter: token };
    expectAllowed(await authorize(server, asParameter));
    const bad = { ...bearer(undefined), accessTokenParameter: 'not a token' };
    expectRefused(await authorize(server, bad), 401, INVALID_TOKEN);
    const both = { ...bearer(token), accessTokenParameter: token };
    expectRefused(await authorize(server, both), 400, /error="invalid_request"/);
  });

  it('OA-PR-4 answers a plain Bearer challenge when there is no token', async () => {
    const error = expectRefused(
      await authorize(server, bearer(undefined)),
      401,
      PLAIN_CHALLENGE(fhir),
    );
    expect(error.outcome.issue[0]?.code).toBe('login');
    const basic = { ...bearer(undefined), authorization: 'Basic dXNlcjpwYXNz' };
    expectRefused(await authorize(server, basic), 401, PLAIN_CHALLENGE(fhir));
  });

  it('OA-PR-4 refuses a bad signature, an expired token and alg none with invalid_token', async () => {
    const token = await clientCredentialsToken(server, client, 'user/*.read');
    // Accepted first, so its verified signature is remembered: that must not help a forgery.
    expectAllowed(await authorize(server, bearer(token)));
    const [header, payload, signature = ''] = token.split('.');
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const tampered = `${header}.${payload}.${flipped}`;
    const error = expectRefused(await authorize(server, bearer(tampered)), 401, INVALID_TOKEN);
    expect(error.outcome.issue[0]?.code).toBe('security');

    const past = Math.floor(Date.now() / 1000) - 600;
    const expired = await signWithAsKey(server, { aud: fhir, iat: past - 60, exp: past });
    expectRefused(await authorize(server, bearer(expired)), 401, INVALID_TOKEN);

    const unsigned = new UnsecuredJWT({
      iss: server.url,
      jti: 'x'.repeat(43),
      scope: 'user/*.read',
    })
      .setExpirationTime('10m')
      .encode();
    expectRefused(await authorize(server, bearer(unsigned)), 401, INVALID_TOKEN);
    expectRefused(await authorize(server, bearer('a.b.c')), 401, INVALID_TOKEN);
  });

  it('refuses a refresh token or any JWT whose typ is not at+jwt', async () => {
    for (const typ of ['rt+jwt', 'JWT']) {
      const token = await signWithAsKey(server, { aud: fhir }, { typ });
      expectRefused(await authorize(server, bearer(token)), 401, INVALID_TOKEN);
    }
  });

  it('OA-PR-4 follows a key rotation at the AS: a token under the new kid is accepted', async () => {
    expectAllowed(await authorize(server, bearer(await clientCredentialsToken(server, client))));
    const rotated = await addSigningKey(server.kardia.store);
    await server.kardia.keys.reload();
    const token = await clientCredentialsToken(server, client, 'user/*.read');
    expect(decodeProtectedHeader(token).kid).toBe(rotated.kid);
    expectAllowed(await authorize(server, bearer(token)));
  });

  it('OA-PR-5 HFO-16 requires this RS in aud when aud is present', async () => {
    const elsewhere = await signWithAsKey(server, { aud: ['https://other.example/fhir'] });
    expectRefused(await authorize(server, bearer(elsewhere)), 401, INVALID_TOKEN);
    const here = await signWithAsKey(server, { aud: ['https://other.example/fhir', fhir] });
    expectAllowed(await authorize(server, bearer(here)));
    const none = await signWithAsKey(server, { aud: undefined });
    expectAllowed(await authorize(server, bearer(none)));
  });

  it('OA-PR-7 refuses a well-formed JWT from an issuer or key it does not trust', async () => {
    const keys = await makeKeyPair();
    const claims = {
      sub: 'mallory',
      azp: 'x',
      aud: fhir,
      scope: 'user/*.read',
      jti: randomBytes(32).toString('base64url'),
    };
    const sign = (iss: string) =>
      new SignJWT({ ...claims, iss })
        .setProtectedHeader({ alg: 'RS256', kid: keys.publicJwk.kid, typ: 'at+jwt' })
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(keys.privateKey);
    const foreign = await sign('https://evil.example');
    expectRefused(await authorize(server, bearer(foreign)), 401, INVALID_TOKEN);
    // Our issuer, but a key the AS never published.
    const forged = await sign(server.url);
    expectRefused(await authorize(server, bearer(forged)), 401, INVALID_TOKEN);
  });

  it('OA-PR-3 OA-PR-6 refuses a scope that does not cover the request with insufficient_scope', async () => {
    const token = await clientCredentialsToken(server, client, 'user/*.read');
    const create = { kind: 'create', resourceType: 'Condition' } as const;
    const error = expectRefused(
      await authorize(server, bearer(token), create),
      403,
      /^Bearer realm="[^"]+", error="insufficient_scope", scope="user\/Condition.write"$/,
    );
    expect(error.outcome.issue[0]?.code).toBe('forbidden');
    const writer = await clientCredentialsToken(server, client, 'user/Observation.write');
    expectAllowed(
      await authorize(server, bearer(writer), { kind: 'create', resourceType: 'Observation' }),
    );
  });

  it('HFO-18 unknown scopes are ignored: a token holding only them covers nothing, never a 5xx', async () => {
    const onlyUnknown = await signWithAsKey(server, {
      aud: fhir,
      scope: 'foo/Observation.read patient/Observation.frobnicate system/*.read sens/NOTACODE',
      patient: 'example',
    });
    expectRefused(await authorize(server, bearer(onlyUnknown)), 403, /insufficient_scope/);
  });

  it('HFO-3 a patient/ scope in a token without a patient claim counts as absent', async () => {
    const token = await signWithAsKey(server, { aud: fhir, scope: 'patient/*.read' });
    const readOne = { kind: 'read', resourceType: 'Observation', id: 'x' } as const;
    expectRefused(await authorize(server, bearer(token), readOne), 403, /insufficient_scope/);
    const bound = await signWithAsKey(server, {
      aud: fhir,
      scope: 'patient/*.read',
      patient: 'example',
    });
    const caller = expectAllowed(await authorize(server, bearer(bound), readOne));
    expect(caller.read.patients).toEqual(['example']);
  });
});

describe('revocation reaches the RS (one process)', () => {
  it('OA-IN-5 introspects a token on first sight and again only once its answer is a second old', async () => {
    const token = await clientCredentialsToken(server, client, 'user/*.read');
    const before = introspections(server);
    const started = Date.now();
    for (let i = 0; i < 10; i += 1) expectAllowed(await authorize(server, bearer(token)));
    const burst = introspections(server) - before;
    expect(burst).toBeGreaterThanOrEqual(1);
    // One question per started second of the burst, at most (one when the machine is not slow).
    expect(burst).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1_000));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expectAllowed(await authorize(server, bearer(token)));
    expect(introspections(server)).toBe(before + burst + 1);
  });

  it('OA-IN-6 OA-PR-8 refuses a revoked token within one second', async () => {
    const token = await clientCredentialsToken(server, client, 'user/*.read');
    expectAllowed(await authorize(server, bearer(token)));
    const revoked = await revoke(server, client, { token });
    expect(revoked.status).toBe(200);
    const revokedAt = Date.now();
    const outcome = await lastAllowedAfter(revokedAt, async () => {
      const result = await authorize(server, bearer(token));
      return !('status' in result);
    });
    expect(outcome.refused).toBe(true);
    expect(outcome.lastAllowed).toBeLessThan(1_000);
    expectRefused(await authorize(server, bearer(token)), 401, INVALID_TOKEN);
  });

  it('never logs the token', async () => {
    const token = await clientCredentialsToken(server, client, 'user/*.read');
    await authorize(server, bearer(token));
    expect(server.logs.join('\n')).not.toContain(token.split('.')[2]);
  });
});
