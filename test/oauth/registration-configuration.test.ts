import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaticClient } from '../../src/oauth/static-registration.js';
import { issueToken } from '../../src/oauth/tokens.js';
import {
  assertionParams,
  clientAssertion,
  makeKeyPair,
  postForm,
  resourceServer,
  type KeyPair,
  type TestClient,
} from '../helpers/clients.js';
import { registerClient, type RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';

let server: TestServer;
let rs: TestClient;
beforeAll(async () => {
  server = await startKardia();
  rs = await resourceServer(server);
});
afterAll(() => server.close());

interface Call {
  method?: string;
  token?: string | undefined;
  body?: unknown;
  contentType?: string;
}

async function configuration(client: { clientId: string }, call: Call = {}) {
  const headers: Record<string, string> = {};
  if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
  if (call.body !== undefined) headers['content-type'] = call.contentType ?? 'application/json';
  const response = await fetch(`${server.url}/register/${client.clientId}`, {
    method: call.method ?? 'GET',
    headers,
    ...(call.body !== undefined
      ? { body: typeof call.body === 'string' ? call.body : JSON.stringify(call.body) }
      : {}),
  });
  const text = await response.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  return { status: response.status, headers: response.headers, body };
}

function expectInvalidToken(response: Awaited<ReturnType<typeof configuration>>) {
  expect(response.status).toBe(401);
  expect(response.body.error).toBe('invalid_token');
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  expect(response.headers.get('cache-control')).toBe('no-store');
}

/** Revocation of a garbage token: 200 when `keys` authenticate the client, 401 otherwise. */
async function authenticatesWith(clientId: string, keys: KeyPair): Promise<number> {
  const response = await postForm(`${server.url}/revoke`, {
    token: 'garbage',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await clientAssertion({ clientId, keys }, `${server.url}/token`),
  });
  return response.status;
}

async function introspect(token: string) {
  const response = await postForm(`${server.url}/introspect`, {
    token,
    ...(await assertionParams(rs, `${server.url}/token`)),
  });
  return response.body;
}

/** The body of a PUT: the current metadata as the client would send it back. */
function replacement(
  client: RegisteredClient,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = { ...client.body };
  for (const provisioned of [
    'registration_access_token',
    'registration_client_uri',
    'client_id_issued_at',
  ]) {
    delete metadata[provisioned];
  }
  return { ...metadata, client_id: client.clientId, ...changes };
}

describe('client configuration endpoint (RFC 7592)', () => {
  it('reads the registration with its token, and rotates the token on each read', async () => {
    const client = await registerClient(server);
    const response = await configuration(client, { token: client.registrationAccessToken });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body.client_id).toBe(client.clientId);
    expect(response.body.redirect_uris).toEqual(client.body.redirect_uris);
    expect(response.body.jwks).toEqual(client.body.jwks);
    expect(response.body.client_id_issued_at).toBe(client.body.client_id_issued_at);
    expect(response.body.registration_client_uri).toBe(client.body.registration_client_uri);
    expect(response.body).not.toHaveProperty('client_secret');
    const next = String(response.body.registration_access_token);
    expect(next).not.toBe(client.registrationAccessToken);

    expectInvalidToken(await configuration(client, { token: client.registrationAccessToken }));
    expect((await configuration(client, { token: next })).status).toBe(200);
  });

  it("answers 401 invalid_token without a token, with a wrong one, or another client's", async () => {
    const client = await registerClient(server);
    const other = await registerClient(server);
    const missing = await configuration(client);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toBe('invalid_token');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expectInvalidToken(await configuration(client, { token: 'wrong-token' }));
    expectInvalidToken(await configuration(client, { token: other.registrationAccessToken }));
    for (const method of ['PUT', 'DELETE']) {
      expectInvalidToken(
        await configuration(client, { method, token: other.registrationAccessToken, body: {} }),
      );
    }
    const basic = await fetch(`${server.url}/register/${client.clientId}`, {
      headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    });
    expect(basic.status).toBe(401);
  });

  it('answers an unknown client exactly like a wrong token', async () => {
    expectInvalidToken(await configuration({ clientId: 'no-such-client' }, { token: 'x' }));
  });

  it('opens no configuration of a static client: it has no registration access token', async () => {
    const keys = await makeKeyPair();
    const stat = await addStaticClient(server.kardia, {
      name: 'Admin client',
      grant: 'client_credentials',
      jwks: keys.jwks,
    });
    expectInvalidToken(await configuration(stat, { token: 'anything' }));
    expectInvalidToken(await configuration(stat, { method: 'DELETE', token: 'anything' }));
  });

  it('replaces the metadata with PUT under the same rules, and the old values are gone', async () => {
    const client = await registerClient(server, { scope: 'patient/*.read' });
    const withoutScope = replacement(client, {
      client_name: 'Renamed app',
      redirect_uris: ['https://client.example/new-callback'],
    });
    delete withoutScope.scope;
    const response = await configuration(client, {
      method: 'PUT',
      token: client.registrationAccessToken,
      body: withoutScope,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body.client_name).toBe('Renamed app');
    expect(response.body.redirect_uris).toEqual(['https://client.example/new-callback']);
    expect(response.body).not.toHaveProperty('scope');
    const token = String(response.body.registration_access_token);

    const read = await configuration(client, { token });
    expect(read.body.client_name).toBe('Renamed app');
    expect(read.body.client_id_issued_at).toBe(client.body.client_id_issued_at);
    const row = await server.kardia.store.db
      .selectFrom('clients')
      .select(['redirect_uris', 'scope', 'registration'])
      .where('client_id', '=', client.clientId)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.redirect_uris)).toEqual(['https://client.example/new-callback']);
    expect(row.scope).toBe('');
    expect(row.registration).toBe('dynamic');
  });

  it('OA-DR-3 OA-RU-3 OA-NC-12 refuses a PUT that breaks a registration rule, keeping the client', async () => {
    const client = await registerClient(server);
    let token = client.registrationAccessToken;
    for (const [changes, error] of [
      [{ grant_types: ['client_credentials'], response_types: [] }, 'invalid_client_metadata'],
      [{ grant_types: ['implicit', 'refresh_token'] }, 'invalid_client_metadata'],
      [{ redirect_uris: ['http://client.example/cb'] }, 'invalid_redirect_uri'],
      [{ token_endpoint_auth_method: 'client_secret_post' }, 'invalid_client_metadata'],
      [{ client_id: 'someone-else' }, 'invalid_client_metadata'],
      [{ client_secret: 'shh' }, 'invalid_client_metadata'],
    ] as const) {
      const response = await configuration(client, {
        method: 'PUT',
        token,
        body: replacement(client, changes),
      });
      expect(response.status, JSON.stringify(changes)).toBe(400);
      expect(response.body.error).toBe(error);
    }
    const missingId = replacement(client, {});
    delete missingId.client_id;
    const refused = await configuration(client, { method: 'PUT', token, body: missingId });
    expect(refused.body.error).toBe('invalid_client_metadata');

    const read = await configuration(client, { token });
    expect(read.status).toBe(200);
    expect(read.body.redirect_uris).toEqual(client.body.redirect_uris);
    token = String(read.body.registration_access_token);
    const notJson = await configuration(client, {
      method: 'PUT',
      token,
      body: 'client_name=x',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(notJson.status).toBe(415);
    expect(notJson.body.error).toBe('invalid_client_metadata');
  });

  it('OA-CK-3 a PUT with new keys takes effect at once: the new key authenticates, the old does not', async () => {
    const client = await registerClient(server);
    expect(await authenticatesWith(client.clientId, client.keys)).toBe(200);
    const fresh = await makeKeyPair();
    const response = await configuration(client, {
      method: 'PUT',
      token: client.registrationAccessToken,
      body: replacement(client, { jwks: fresh.jwks }),
    });
    expect(response.status).toBe(200);
    expect(await authenticatesWith(client.clientId, fresh)).toBe(200);
    expect(await authenticatesWith(client.clientId, client.keys)).toBe(401);
  });

  it('deletes the client with DELETE and revokes its tokens', async () => {
    const client = await registerClient(server);
    const issued = await issueToken(server.kardia, {
      kind: 'access',
      clientId: client.clientId,
      sub: 'user-1',
      scope: 'patient/*.read',
      ttl: 600,
    });
    expect((await introspect(issued.token)).active).toBe(true);

    const response = await configuration(client, {
      method: 'DELETE',
      token: client.registrationAccessToken,
    });
    expect(response.status).toBe(204);

    expect(await introspect(issued.token)).toEqual({ active: false });
    const row = await server.kardia.store.db
      .selectFrom('tokens')
      .select('revoked_at')
      .where('jti', '=', issued.jti)
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    expectInvalidToken(await configuration(client, { token: client.registrationAccessToken }));
    expect(await authenticatesWith(client.clientId, client.keys)).toBe(401);
  });

  it('answers other methods on the configuration endpoint with 405', async () => {
    const client = await registerClient(server);
    const response = await configuration(client, {
      method: 'POST',
      token: client.registrationAccessToken,
      body: {},
    });
    expect(response.status).toBe(405);
  });
});
