import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAssertion, makeKeyPair, postForm, type KeyPair } from '../helpers/clients.js';
import {
  CONFIDENTIAL_CODE_CLIENT,
  postRegistration,
  registerClient,
  startDocumentServer,
  type DocumentServer,
} from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';

let server: TestServer;
let host: DocumentServer;
let keys: KeyPair;
beforeAll(async () => {
  server = await startKardia();
  host = await startDocumentServer();
  keys = await makeKeyPair();
});
afterAll(async () => {
  await server.close();
  await host.close();
});

const withoutJwks = { withoutJwks: true };

async function expectKeysRefused(metadata: Record<string, unknown>) {
  const response = await postRegistration(server, { ...CONFIDENTIAL_CODE_CLIENT, ...metadata });
  expect(response.status).toBe(400);
  expect(response.body.error).toBe('invalid_client_metadata');
  return response.body;
}

describe('client keys at /register (HEART OAuth §2.2.4)', () => {
  it('OA-CK-1 refuses a code client registration without a key', async () => {
    await expectKeysRefused({});
    await expectKeysRefused({ jwks: null });
  });

  it('OA-CK-2 accepts a jwks_uri it can reach and fetches it at registration', async () => {
    host.serve('/ck2/jwks.json', keys.jwks);
    const client = await registerClient(
      server,
      { jwks_uri: `${host.url}/ck2/jwks.json` },
      withoutJwks,
    );
    expect(client.body.jwks_uri).toBe(`${host.url}/ck2/jwks.json`);
    expect(client.body).not.toHaveProperty('jwks');
    expect(host.hits('/ck2/jwks.json')).toBe(1);
  });

  it('OA-CK-2 refuses an unreachable jwks_uri', async () => {
    const gone = await startDocumentServer();
    await gone.close();
    await expectKeysRefused({ jwks_uri: `${gone.url}/jwks.json` });
    await expectKeysRefused({ jwks_uri: `${host.url}/not-served.json` });
    await expectKeysRefused({ jwks_uri: 'not a url' });
  });

  it('OA-CK-2 refuses a jwks_uri on plain http elsewhere, or on a private address', async () => {
    await expectKeysRefused({ jwks_uri: 'http://keys.example/jwks.json' });
    await expectKeysRefused({ jwks_uri: 'https://169.254.169.254/latest/meta-data' });
    await expectKeysRefused({ jwks_uri: 'https://10.0.0.1/jwks.json' });
  });

  it('OA-CK-4 refuses jwks given as a bare JWK without keys', async () => {
    await expectKeysRefused({ jwks: keys.publicJwk });
    await expectKeysRefused({ jwks: [keys.publicJwk] });
    await expectKeysRefused({ jwks: { keys: [] } });
    await expectKeysRefused({ jwks: 'keys' });
  });

  it('OA-CK-5 refuses a jwks_uri serving HTML, {}, a bare JWK or a redirect', async () => {
    host.serve('/ck5/html', '<html>keys</html>', { headers: { 'content-type': 'text/html' } });
    host.serve('/ck5/empty', {});
    host.serve('/ck5/bare', keys.publicJwk);
    host.serve('/ck5/moved', '', {
      status: 302,
      headers: { location: `${host.url}/ck2/jwks.json` },
    });
    host.serve('/ck5/large', { keys: [keys.publicJwk], pad: 'x'.repeat(100_000) });
    for (const path of ['/ck5/html', '/ck5/empty', '/ck5/bare', '/ck5/moved', '/ck5/large']) {
      await expectKeysRefused({ jwks_uri: `${host.url}${path}` });
    }
  });

  it('OA-CK-6 refuses jwks and jwks_uri together', async () => {
    host.serve('/ck6/jwks.json', keys.jwks);
    await expectKeysRefused({ jwks: keys.jwks, jwks_uri: `${host.url}/ck6/jwks.json` });
  });

  it('OA-CK-7 refuses a 1024-bit RSA key, inline or by jwks_uri', async () => {
    // jose refuses to make such a key, so node:crypto makes it.
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weak = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'weak', alg: 'RS256' }] };
    await expectKeysRefused({ jwks: weak });
    host.serve('/ck7/jwks.json', weak);
    await expectKeysRefused({ jwks_uri: `${host.url}/ck7/jwks.json` });
  });

  it('OA-CK-7 accepts an EC P-256 key and RSA keys above 2048 bits', async () => {
    const ec = await makeKeyPair('ES256');
    const client = await registerClient(server, {}, { keys: ec });
    expect((client.body.jwks as { keys: { kty: string }[] }).keys[0]?.kty).toBe('EC');
    const big = await makeKeyPair('RS256', 3072);
    await registerClient(server, {}, { keys: big });
  });

  it('refuses symmetric keys', async () => {
    await expectKeysRefused({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0c2VjcmV0c2VjcmV0' }] } });
  });

  it('OA-CK-3 a new kid served at the jwks_uri works at the next assertion, with no re-registration', async () => {
    const first = await makeKeyPair();
    host.serve('/ck3/jwks.json', first.jwks);
    const client = await registerClient(
      server,
      { jwks_uri: `${host.url}/ck3/jwks.json` },
      { keys: first, withoutJwks: true },
    );
    const revoke = async (signer: KeyPair) =>
      postForm(`${server.url}/revoke`, {
        token: 'not-a-token',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await clientAssertion(
          { clientId: client.clientId, keys: signer },
          `${server.url}/token`,
        ),
      });
    expect((await revoke(first)).status).toBe(200);

    // The client rotates: its jwks_uri now serves only a new key with a new kid.
    const second = await makeKeyPair();
    host.serve('/ck3/jwks.json', second.jwks);
    // The token endpoint's key cache refetches on an unknown kid after a 10 s cooldown.
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    const rotated = await revoke(second);
    expect(rotated.status).toBe(200);
    const stale = await revoke(first);
    expect(stale.status).toBe(401);
    expect(stale.body.error).toBe('invalid_client');
  }, 30_000);
});
