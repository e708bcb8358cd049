import { createHmac, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaticClient } from '../../src/oauth/static-registration.js';
import { expectNoStore } from '../helpers/back-channel.js';
import {
  clientAssertion,
  makeKeyPair,
  postForm,
  staticClientCredentialsClient,
  type TestClient,
} from '../helpers/clients.js';
import { startKardia, type TestServer } from '../helpers/server.js';

/**
 * private_key_jwt at the token endpoint (HEART OAuth §2.2.2, RFC 7523 §3), driven with the
 * client-credentials grant, the one grant where nothing but the client's credentials counts.
 */
let server: TestServer;
let client: TestClient;
let tokenUrl: string;
const BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

beforeAll(async () => {
  server = await startKardia();
  tokenUrl = `${server.url}/token`;
  client = await staticClientCredentialsClient(server, 'system/*.read');
});
afterAll(() => server.close());

const withAssertion = (assertion: string, extra: Record<string, string> = {}) =>
  postForm(tokenUrl, {
    grant_type: 'client_credentials',
    client_assertion_type: BEARER_ASSERTION,
    client_assertion: assertion,
    ...extra,
  });

async function expectRefused(response: Awaited<ReturnType<typeof postForm>>, label = '') {
  expect(response.status, label).toBe(401);
  expect(response.body.error, label).toBe('invalid_client');
  expect(response.body).not.toHaveProperty('access_token');
}

const now = () => Math.floor(Date.now() / 1000);
/** The claims of a valid assertion by `client`, for tests that sign or encode it by hand. */
const validClaims = () => ({
  iss: client.clientId,
  sub: client.clientId,
  aud: tokenUrl,
  iat: now(),
  exp: now() + 60,
  jti: randomBytes(32).toString('base64url'),
});
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('private_key_jwt at /token', () => {
  it('OA-TK-1 OA-CA-1 a valid assertion gets 200 with no-store; secret, Basic and none get 401', async () => {
    const ok = await withAssertion(await clientAssertion(client, tokenUrl));
    expect(ok.status).toBe(200);
    expectNoStore(ok.headers);

    await expectRefused(
      await postForm(tokenUrl, {
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: 'guess',
      }),
      'client_secret_post',
    );
    const basic = Buffer.from(`${client.clientId}:guess`).toString('base64');
    const viaBasic = await postForm(
      tokenUrl,
      { grant_type: 'client_credentials' },
      { authorization: `Basic ${basic}` },
    );
    await expectRefused(viaBasic, 'client_secret_basic');
    // RFC 6749 §5.2: the 401 names the scheme the client tried.
    expect(viaBasic.headers.get('www-authenticate')).toBe('Basic realm="kardia"');
    await expectRefused(
      await postForm(tokenUrl, { grant_type: 'client_credentials', client_id: client.clientId }),
      'none',
    );
    // A valid assertion does not make a Basic header acceptable.
    await expectRefused(
      await postForm(
        tokenUrl,
        {
          grant_type: 'client_credentials',
          client_assertion_type: BEARER_ASSERTION,
          client_assertion: await clientAssertion(client, tokenUrl),
        },
        { authorization: `Basic ${basic}` },
      ),
      'assertion with Basic',
    );
  });

  it('OA-DA-3 a statically registered direct-access client authenticates by its registered key', async () => {
    expect(client.client?.registration).toBe('static');
    expect(client.client?.authMethod).toBe('private_key_jwt');
    expect(client.client?.metadata).not.toHaveProperty('client_secret');
    const response = await withAssertion(await clientAssertion(client, tokenUrl));
    expect(response.status).toBe(200);
    expect(response.body.access_token).toBeTypeOf('string');
  });

  it('OA-TK-2 each wrong, missing or expired claim is refused with 401 invalid_client', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['iss of another client', { iss: 'someone-else' }],
      ['sub not the client', { sub: 'someone-else' }],
      ['sub missing', { sub: undefined }],
      ['aud the issuer', { aud: server.url }],
      ['aud the introspection endpoint', { aud: `${server.url}/introspect` }],
      ['aud with a trailing slash', { aud: `${tokenUrl}/` }],
      ['aud missing', { aud: undefined }],
      ['exp missing', { exp: undefined }],
      ['exp passed', { iat: now() - 600, exp: now() - 120 }],
      ['exp over an hour ahead', { exp: now() + 7200 }],
      ['iat missing', { iat: undefined }],
      ['iat in the future', { iat: now() + 600, exp: now() + 900 }],
      ['jti missing', { jti: undefined }],
      ['jti under 128 bits', { jti: 'short' }],
      ['jti not a string', { jti: 1234567890123456 }],
      ['nbf in the future', { nbf: now() + 600 }],
    ];
    for (const [label, overrides] of cases) {
      await expectRefused(
        await withAssertion(await clientAssertion(client, tokenUrl, overrides)),
        label,
      );
    }
  });

  it('OA-TK-2 accepts aud as an array holding the token endpoint URL', async () => {
    const assertion = await clientAssertion(client, [server.url, tokenUrl]);
    expect((await withAssertion(assertion)).status).toBe(200);
  });

  it('OA-TK-3 refuses a replayed assertion, and a new assertion reusing a jti', async () => {
    const jti = randomBytes(32).toString('base64url');
    const assertion = await clientAssertion(client, tokenUrl, { jti });
    expect((await withAssertion(assertion)).status).toBe(200);
    await expectRefused(await withAssertion(assertion), 'same assertion');
    await expectRefused(
      await withAssertion(await clientAssertion(client, tokenUrl, { jti, iat: now() - 1 })),
      'same jti, new assertion',
    );
  });

  it('OA-TK-3 lets only one of many concurrent uses of one assertion through', async () => {
    const assertion = await clientAssertion(client, tokenUrl);
    const answers = await Promise.all(Array.from({ length: 8 }, () => withAssertion(assertion)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 401)).toHaveLength(7);
  });

  it('OA-TK-4 accepts an assertion carrying extra claims', async () => {
    const assertion = await clientAssertion(client, tokenUrl, { foo: 'bar', nested: { a: 1 } });
    expect((await withAssertion(assertion)).status).toBe(200);
  });

  it('OA-TK-5 refuses an assertion signed with a different real key', async () => {
    const other = await makeKeyPair();
    // The other key under the registered kid, and under its own unknown kid.
    const sameKid = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: 'RS256', kid: client.keys.publicJwk.kid })
      .sign(other.privateKey);
    await expectRefused(await withAssertion(sameKid), 'registered kid');
    await expectRefused(
      await withAssertion(
        await clientAssertion({ clientId: client.clientId, keys: other }, tokenUrl),
      ),
      'unknown kid',
    );
  });

  it('OA-TK-5 refuses an assertion whose signature was altered', async () => {
    const assertion = await clientAssertion(client, tokenUrl);
    const [header, payload, signature] = assertion.split('.') as [string, string, string];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[10] = (bytes[10] ?? 0) ^ 0x01;
    await expectRefused(
      await withAssertion(`${header}.${payload}.${bytes.toString('base64url')}`),
      'flipped bit',
    );
    // The original, never used, still passes: only the signature byte made the difference.
    expect((await withAssertion(assertion)).status).toBe(200);
  });

  it('OA-TK-5 refuses an unsigned alg:none assertion built by hand', async () => {
    const claims = validClaims();
    for (const header of [{ alg: 'none' }, { alg: 'none', kid: client.keys.publicJwk.kid }]) {
      await expectRefused(await withAssertion(`${b64(header)}.${b64(claims)}.`), 'alg none');
    }
  });

  it('OA-TK-5 refuses an HS256 assertion keyed with the public key (key confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(client.keys.publicJwk));
    const hs256 = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: 'HS256', kid: client.keys.publicJwk.kid })
      .sign(secret);
    await expectRefused(await withAssertion(hs256), 'HS256');

    // The same, MAC'd by hand over the modulus.
    const header = b64({ alg: 'HS256', typ: 'JWT' });
    const payload = hs256.split('.')[1] ?? '';
    const mac = createHmac('sha256', String(client.keys.publicJwk.n))
      .update(`${header}.${payload}`)
      .digest('base64url');
    await expectRefused(await withAssertion(`${header}.${payload}.${mac}`), 'HS256 by hand');
  });

  it('OA-TK-6 accepts RS256, PS256 and ES256, and refuses RS384', async () => {
    for (const alg of ['RS256', 'PS256', 'ES256']) {
      const keys = await makeKeyPair(alg);
      const registered = await addStaticClient(server.kardia, {
        name: `${alg} client`,
        grant: 'client_credentials',
        jwks: keys.jwks,
        scope: 'system/*.read',
      });
      const who = { clientId: registered.clientId, keys };
      expect((await withAssertion(await clientAssertion(who, tokenUrl))).status, alg).toBe(200);
    }
    const rs384 = await makeKeyPair('RS384');
    const registered = await addStaticClient(server.kardia, {
      name: 'RS384 client',
      grant: 'client_credentials',
      jwks: rs384.jwks,
    });
    await expectRefused(
      await withAssertion(
        await clientAssertion({ clientId: registered.clientId, keys: rs384 }, tokenUrl),
      ),
      'RS384',
    );
  });

  it('OA-TK-6 advertises RS256 and no HS* or none for token endpoint authentication', async () => {
    const metadata = (await (
      await fetch(`${server.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, string[]>;
    const algs = metadata.token_endpoint_auth_signing_alg_values_supported ?? [];
    expect(algs).toContain('RS256');
    expect(algs.filter((a) => a.startsWith('HS') || a === 'none')).toEqual([]);
    expect(metadata.token_endpoint_auth_methods_supported).not.toContain('client_secret_basic');
  });

  it('OA-RG-1 refuses an assertion whose iss is no registered client', async () => {
    const stranger = { clientId: randomBytes(18).toString('base64url'), keys: client.keys };
    await expectRefused(
      await withAssertion(await clientAssertion(stranger, tokenUrl)),
      'unknown iss',
    );
  });

  it('refuses a client_id that differs from the assertion iss, and a wrong assertion type', async () => {
    const other = await staticClientCredentialsClient(server);
    await expectRefused(
      await withAssertion(await clientAssertion(client, tokenUrl), { client_id: other.clientId }),
      'client_id mismatch',
    );
    await expectRefused(
      await postForm(tokenUrl, {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
        client_assertion: await clientAssertion(client, tokenUrl),
      }),
      'saml2 type',
    );
    await expectRefused(await withAssertion('not-a-jwt'), 'garbage assertion');
  });

  it('uses one public error text whatever failed', async () => {
    const texts = new Set<unknown>();
    for (const overrides of [{ aud: server.url }, { iss: 'x' }, { exp: now() - 600 }]) {
      texts.add(
        (await withAssertion(await clientAssertion(client, tokenUrl, overrides))).body
          .error_description,
      );
    }
    expect(texts.size).toBe(1);
  });

  it('logs no assertion', async () => {
    const assertion = await clientAssertion(client, tokenUrl, { aud: 'https://wrong.example' });
    await withAssertion(assertion);
    const signature = assertion.split('.')[2] ?? '';
    expect(server.logs.some((line) => line.includes(signature))).toBe(false);
  });
});
