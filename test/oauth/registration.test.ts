import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKeyPair, type KeyPair } from '../helpers/clients.js';
import {
  CONFIDENTIAL_CODE_CLIENT,
  IMPLICIT_CLIENT,
  postRegistration,
  registerClient,
  registerImplicitClient,
  registerNativeClient,
} from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sharedKeys: KeyPair;
beforeAll(async () => {
  server = await startKardia();
  sharedKeys = await makeKeyPair();
});
afterAll(() => server.close());

const UMA_GRANT = 'urn:ietf:params:oauth:grant-type:uma-ticket';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/** A confidential code client's metadata with a public key, for raw POSTs. */
async function codeMetadata(overrides: Record<string, unknown> = {}) {
  return { ...CONFIDENTIAL_CODE_CLIENT, jwks: sharedKeys.jwks, ...overrides };
}

async function expectRefused(
  metadata: Record<string, unknown>,
  error: string,
  status = 400,
): Promise<Record<string, unknown>> {
  const response = await postRegistration(server, metadata);
  expect(response.status).toBe(status);
  expect(response.body.error).toBe(error);
  expect(typeof response.body.error_description).toBe('string');
  expect(response.headers.get('cache-control')).toBe('no-store');
  return response.body;
}

describe('POST /register (RFC 7591 under HEART OAuth §3.1.3)', () => {
  it('OA-DR-1 registers a code client with private_key_jwt and jwks: 201, new client_id, no secret', async () => {
    const metadata = await codeMetadata();
    const response = await postRegistration(server, metadata);
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = response.body;
    expect(typeof body.client_id).toBe('string');
    expect(String(body.client_id).length).toBeGreaterThanOrEqual(22);
    expect(body).not.toHaveProperty('client_secret');
    expect(body).not.toHaveProperty('client_secret_expires_at');
    expect(body.token_endpoint_auth_method).toBe('private_key_jwt');
    expect(body.grant_types).toEqual(['authorization_code', 'refresh_token']);
    expect(body.response_types).toEqual(['code']);
    expect(body.redirect_uris).toEqual(metadata.redirect_uris);
    expect(body.jwks).toEqual(metadata.jwks);
    expect(body.client_name).toBe(metadata.client_name);
    expect(body.client_uri).toBe(metadata.client_uri);
    const now = Math.floor(Date.now() / 1000);
    expect(Math.abs(Number(body.client_id_issued_at) - now)).toBeLessThan(60);
    expect(typeof body.registration_access_token).toBe('string');
    expect(String(body.registration_access_token).length).toBeGreaterThanOrEqual(43);
    expect(body.registration_client_uri).toBe(`${server.url}/register/${String(body.client_id)}`);
  });

  it('OA-DR-1 stores a dynamic registration, and only the hash of the registration access token', async () => {
    const client = await registerClient(server);
    const row = await server.kardia.store.db
      .selectFrom('clients')
      .selectAll()
      .where('client_id', '=', client.clientId)
      .executeTakeFirstOrThrow();
    expect(row.registration).toBe('dynamic');
    expect(row.kind).toBe('client');
    expect(row.registration_access_token_hash).toBeTruthy();
    expect(row.registration_access_token_hash).not.toBe(client.registrationAccessToken);
    expect(JSON.stringify(row)).not.toContain(client.registrationAccessToken);
  });

  it('OA-DR-2 registers an implicit client with response_types token and auth none', async () => {
    const client = await registerImplicitClient(server);
    expect(client.body.grant_types).toEqual(['implicit']);
    expect(client.body.response_types).toEqual(['token']);
    expect(client.body.token_endpoint_auth_method).toBe('none');
    // Left out, the method of an implicit client defaults to none.
    const defaulted = await postRegistration(server, {
      ...IMPLICIT_CLIENT,
      token_endpoint_auth_method: undefined,
    });
    expect(defaulted.status).toBe(201);
    expect(defaulted.body.token_endpoint_auth_method).toBe('none');
  });

  it('OA-DR-3 OA-DA-3 refuses client_credentials at /register', async () => {
    await expectRefused(
      await codeMetadata({ grant_types: ['client_credentials'], response_types: [] }),
      'invalid_client_metadata',
    );
    await expectRefused(
      await codeMetadata({
        grant_types: ['client_credentials'],
        response_types: undefined,
        redirect_uris: undefined,
      }),
      'invalid_client_metadata',
    );
  });

  it('OA-GEN-5 refuses the password grant at /register', async () => {
    await expectRefused(
      await codeMetadata({ grant_types: ['password'], response_types: [] }),
      'invalid_client_metadata',
    );
    await expectRefused(
      await codeMetadata({ grant_types: ['authorization_code', 'password'] }),
      'invalid_client_metadata',
    );
  });

  it('OA-GT-2 OA-GT-3 HU-12 ties a client to one grant type: two of code, implicit, client credentials → 400', async () => {
    for (const grants of [
      ['authorization_code', 'implicit'],
      ['authorization_code', 'client_credentials'],
      ['implicit', 'client_credentials'],
      ['authorization_code', 'implicit', 'refresh_token'],
    ]) {
      await expectRefused(
        await codeMetadata({ grant_types: grants, response_types: undefined }),
        'invalid_client_metadata',
      );
    }
    // Each mode of one piece of software registers on its own and gets its own client_id.
    const web = await registerClient(server);
    const browser = await registerImplicitClient(server);
    expect(web.clientId).not.toBe(browser.clientId);
  });

  it('OA-GT-2 refuses unknown grant types and response types that do not match the grant', async () => {
    await expectRefused(
      await codeMetadata({ grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] }),
      'invalid_client_metadata',
    );
    await expectRefused(
      await codeMetadata({ response_types: ['token'] }),
      'invalid_client_metadata',
    );
    await expectRefused(
      await codeMetadata({ response_types: ['code', 'token'] }),
      'invalid_client_metadata',
    );
    await expectRefused(
      { ...IMPLICIT_CLIENT, response_types: ['code'] },
      'invalid_client_metadata',
    );
    await expectRefused(
      await codeMetadata({ grant_types: 'authorization_code' }),
      'invalid_client_metadata',
    );
  });

  it('OA-BE-3 refuses an implicit client asking for refresh tokens', async () => {
    await expectRefused(
      { ...IMPLICIT_CLIENT, grant_types: ['implicit', 'refresh_token'] },
      'invalid_client_metadata',
    );
  });

  it('OA-BE-3 refuses an implicit client that claims to authenticate with a key', async () => {
    const keys = await makeKeyPair();
    await expectRefused(
      { ...IMPLICIT_CLIENT, token_endpoint_auth_method: 'private_key_jwt', jwks: keys.jwks },
      'invalid_client_metadata',
    );
  });

  it('defaults to the code grant and private_key_jwt when neither is named', async () => {
    const keys = await makeKeyPair();
    const response = await postRegistration(server, {
      redirect_uris: ['https://client.example/cb'],
      jwks: keys.jwks,
    });
    expect(response.status).toBe(201);
    expect(response.body.grant_types).toEqual(['authorization_code']);
    expect(response.body.response_types).toEqual(['code']);
    expect(response.body.token_endpoint_auth_method).toBe('private_key_jwt');
  });

  it('OA-FC-4 OA-NC-2 refuses a private_key_jwt code client without jwks or jwks_uri', async () => {
    await expectRefused({ ...CONFIDENTIAL_CODE_CLIENT }, 'invalid_client_metadata');
    await expectRefused(
      { ...CONFIDENTIAL_CODE_CLIENT, token_endpoint_auth_method: undefined },
      'invalid_client_metadata',
    );
  });

  it('OA-NC-12 refuses client_secret_basic, client_secret_post and client_secret_jwt', async () => {
    for (const method of ['client_secret_basic', 'client_secret_post', 'client_secret_jwt']) {
      const body = await expectRefused(
        await codeMetadata({ token_endpoint_auth_method: method }),
        'invalid_client_metadata',
      );
      expect(body).not.toHaveProperty('client_secret');
    }
    await expectRefused(
      await codeMetadata({ token_endpoint_auth_method: 'tls_client_auth' }),
      'invalid_client_metadata',
    );
  });

  it('OA-NC-3 OA-RG-2 gives two identical registrations two different client_ids', async () => {
    const metadata = await codeMetadata();
    const first = await postRegistration(server, metadata);
    const second = await postRegistration(server, metadata);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(first.body.client_id).not.toBe(second.body.client_id);
    expect(first.body.registration_access_token).not.toBe(second.body.registration_access_token);
  });

  it('OA-NC-5 refuses private key members in jwks and stores public keys only', async () => {
    const keys = await makeKeyPair();
    const { exportJWK } = await import('jose');
    const privateJwk = { ...(await exportJWK(keys.privateKey)), kid: keys.publicJwk.kid };
    await expectRefused(
      await codeMetadata({ jwks: { keys: [privateJwk] } }),
      'invalid_client_metadata',
    );

    const client = await registerClient(server, {}, { keys });
    const row = await server.kardia.store.db
      .selectFrom('clients')
      .select(['jwks', 'metadata'])
      .where('client_id', '=', client.clientId)
      .executeTakeFirstOrThrow();
    const stored = JSON.parse(row.jwks ?? '{}') as { keys: Record<string, unknown>[] };
    expect(stored.keys).toHaveLength(1);
    for (const key of stored.keys) {
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    }
    expect(stored.keys[0]?.n).toBe(keys.publicJwk.n);
  });

  it('OA-NC-6 (review only: Kardia never makes or keeps client key pairs) returns no private key material', async () => {
    // Kardia never generates a key pair for a client (review: no call to generateKeyPair in
    // src/oauth/registration); this checks the visible half: nothing private ever comes back.
    const code = await registerClient(server);
    const native = await registerNativeClient(server);
    for (const client of [code, native]) {
      const text = JSON.stringify(client.body);
      expect(client.body).not.toHaveProperty('client_secret');
      for (const member of PRIVATE_MEMBERS) expect(text).not.toContain(`"${member}":`);
    }
    expect(native.body).not.toHaveProperty('jwks');
  });

  it('registers a public native client (auth none) with a loopback redirect URI', async () => {
    const client = await registerNativeClient(server);
    expect(client.body.token_endpoint_auth_method).toBe('none');
    expect(client.body.grant_types).toEqual(['authorization_code', 'refresh_token']);
    expect(client.body.redirect_uris).toEqual(['http://127.0.0.1/callback']);
  });

  it('UMA-REG-1 HU-14 registers UMA clients: the uma-ticket grant, with refresh_token and claims_redirect_uris', async () => {
    const uma = await registerClient(server, {
      grant_types: [UMA_GRANT],
      response_types: undefined,
      redirect_uris: undefined,
      claims_redirect_uris: ['https://client.example/claims?x=1'],
    });
    expect(uma.body.grant_types).toEqual([UMA_GRANT]);
    expect(uma.body.response_types).toEqual([]);
    expect(uma.body.claims_redirect_uris).toEqual(['https://client.example/claims?x=1']);

    const withRefresh = await registerClient(server, {
      grant_types: [UMA_GRANT, 'refresh_token'],
      response_types: [],
      redirect_uris: undefined,
    });
    expect(withRefresh.body.grant_types).toEqual([UMA_GRANT, 'refresh_token']);

    const resourceServer = await registerClient(server, {
      grant_types: ['authorization_code', 'refresh_token', UMA_GRANT],
      scope: 'uma_protection',
    });
    expect(resourceServer.body.response_types).toEqual(['code']);
    expect(resourceServer.body.scope).toBe('uma_protection');
  });

  it('UMA-REG-2 HU-10 refuses UMA clients without keys or public, UMA with implicit, and fragments in claims_redirect_uris', async () => {
    await expectRefused(
      { grant_types: [UMA_GRANT], client_name: 'keyless uma' },
      'invalid_client_metadata',
    );
    await expectRefused(
      {
        grant_types: [UMA_GRANT],
        token_endpoint_auth_method: 'none',
        client_name: 'public uma',
      },
      'invalid_client_metadata',
    );
    await expectRefused(
      { ...IMPLICIT_CLIENT, grant_types: ['implicit', UMA_GRANT] },
      'invalid_client_metadata',
    );
    await expectRefused(
      await codeMetadata({
        grant_types: [UMA_GRANT],
        response_types: undefined,
        claims_redirect_uris: ['https://c.example/cb#x'],
      }),
      'invalid_client_metadata',
    );
    await expectRefused(
      await codeMetadata({ claims_redirect_uris: 'https://c.example/cb' }),
      'invalid_client_metadata',
    );
  });

  it('OA-SC-2 keeps free scope strings as registered', async () => {
    const client = await registerClient(server, { scope: 'patient/*.read foo launch/patient' });
    expect(client.body.scope).toBe('patient/*.read foo launch/patient');
    const row = await server.kardia.store.db
      .selectFrom('clients')
      .select('scope')
      .where('client_id', '=', client.clientId)
      .executeTakeFirstOrThrow();
    expect(row.scope).toBe('patient/*.read foo launch/patient');
  });

  it('OA-DR-4 OA-SC-3 trims system/ scopes from dynamic clients', async () => {
    const client = await registerClient(server, {
      scope:
        'patient/*.read system/*.read system/Patient.rs http://smarthealthit.org/fhir/scopes/system/*.read foo',
    });
    expect(client.body.scope).toBe('patient/*.read foo');
    const only = await registerClient(server, { scope: 'system/*.*' });
    expect(only.body).not.toHaveProperty('scope');
  });

  it('refuses a malformed scope', async () => {
    await expectRefused(await codeMetadata({ scope: 'a  "b"' }), 'invalid_client_metadata');
    await expectRefused(await codeMetadata({ scope: ['a'] }), 'invalid_client_metadata');
  });

  it('drops metadata it does not understand and never lets a client choose its client_id', async () => {
    const client = await registerClient(server, {
      client_id: 'chosen-by-client',
      client_secret: 'nope',
      frobnicate: true,
    });
    expect(client.clientId).not.toBe('chosen-by-client');
    expect(client.body).not.toHaveProperty('frobnicate');
    expect(client.body).not.toHaveProperty('client_secret');
  });

  it('refuses bad descriptive URLs and non-string names', async () => {
    await expectRefused(
      await codeMetadata({ client_uri: 'javascript:alert(1)' }),
      'invalid_client_metadata',
    );
    await expectRefused(
      await codeMetadata({ logo_uri: 'http://evil.example/x.png' }),
      'invalid_client_metadata',
    );
    await expectRefused(await codeMetadata({ client_name: 42 }), 'invalid_client_metadata');
    await expectRefused(await codeMetadata({ contacts: 'a@b.example' }), 'invalid_client_metadata');
  });
});

describe('redirect URIs at /register (HEART OAuth §2.2.3.1)', () => {
  it('OA-RU-1 requires redirect_uris of code and implicit clients', async () => {
    await expectRefused(await codeMetadata({ redirect_uris: undefined }), 'invalid_redirect_uri');
    await expectRefused(await codeMetadata({ redirect_uris: [] }), 'invalid_redirect_uri');
    await expectRefused({ ...IMPLICIT_CLIENT, redirect_uris: undefined }, 'invalid_redirect_uri');
  });

  it('OA-RU-3 accepts https, loopback http and private-use schemes', async () => {
    for (const uri of [
      'https://rp.example/cb',
      'https://rp.example:8443/cb?mode=web',
      'http://localhost/cb',
      'http://127.0.0.1:51004/cb',
      'http://[::1]/cb',
      'com.example.app:/oauth2redirect',
    ]) {
      const client = await registerClient(server, { redirect_uris: [uri] });
      expect(client.body.redirect_uris).toEqual([uri]);
    }
    const browser = await registerImplicitClient(server, {
      redirect_uris: ['https://spa.example/a', 'https://spa.example/b'],
    });
    expect(browser.body.redirect_uris).toEqual(['https://spa.example/a', 'https://spa.example/b']);
  });

  it('OA-RU-3 refuses http on a remote host, dangerous schemes, fragments and bad strings', async () => {
    for (const uri of [
      'http://rp.example/cb',
      'http://192.168.1.10/cb',
      'https://rp.example/cb#frag',
      'https://rp.example/cb#',
      'javascript:alert(1)',
      'data:text/html,hi',
      'file:///etc/passwd',
      'myapp:/cb',
      'https://user:pw@rp.example/cb',
      '/relative/cb',
      'not a uri',
    ]) {
      const body = await expectRefused(
        await codeMetadata({ redirect_uris: [uri] }),
        'invalid_redirect_uri',
      );
      expect(JSON.stringify(body)).not.toContain(uri);
    }
    await expectRefused(
      await codeMetadata({ redirect_uris: 'https://rp.example/cb' }),
      'invalid_client_metadata',
    );
  });

  it('OA-RU-4 refuses a client that mixes redirect URI kinds', async () => {
    for (const uris of [
      ['https://rp.example/cb', 'http://localhost/cb'],
      ['https://rp.example/cb', 'com.example.app:/cb'],
      ['http://127.0.0.1/cb', 'com.example.app:/cb'],
    ]) {
      await expectRefused(await codeMetadata({ redirect_uris: uris }), 'invalid_redirect_uri');
    }
  });

  it('OA-RU-5 accepts redirect URIs on two domains (Kardia reading: the SHOULD NOT binds the client)', async () => {
    const client = await registerClient(server, {
      redirect_uris: ['https://a.example/cb', 'https://b.example/cb'],
    });
    expect(client.body.redirect_uris).toEqual(['https://a.example/cb', 'https://b.example/cb']);
  });
});

describe('request format at /register (RFC 7591 §3)', () => {
  it('answers other content types with 415 and an RFC 7591 error body', async () => {
    const keys = await makeKeyPair();
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', 'client_name=x&redirect_uris=https://a.example/cb'],
      ['text/plain', JSON.stringify({ jwks: keys.jwks })],
    ] as const) {
      const response = await fetch(`${server.url}/register`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
      expect(response.status).toBe(415);
      const error = (await response.json()) as Record<string, unknown>;
      expect(error.error).toBe('invalid_client_metadata');
    }
    const none = await fetch(`${server.url}/register`, { method: 'POST' });
    expect([400, 415]).toContain(none.status);
  });

  it('answers broken JSON and non-object JSON with 400 invalid_client_metadata', async () => {
    for (const body of ['{"client_name":', '[]', '"text"', 'null', '', '{"__proto__":{"x":1}}']) {
      const response = await fetch(`${server.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
      });
      expect(response.status, body).toBe(400);
      const error = (await response.json()) as Record<string, unknown>;
      expect(['invalid_client_metadata', 'invalid_redirect_uri']).toContain(error.error);
      expect(JSON.stringify(error)).not.toMatch(/at .*\.ts|Error:/);
    }
  });

  it('answers other methods on /register with 405', async () => {
    const response = await fetch(`${server.url}/register`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('never logs the registration access token', async () => {
    const client = await registerClient(server);
    expect(server.logs.join('\n')).not.toContain(client.registrationAccessToken);
  });
});
