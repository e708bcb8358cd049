import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestToken, expectNoStore } from '../helpers/back-channel.js';
import {
  assertionParams,
  postForm,
  staticClientCredentialsClient,
  type TestClient,
} from '../helpers/clients.js';
import { registerClient, registerCodeClient, registerNativeClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';

/** The token endpoint as a whole: what it accepts, how it dispatches, how every answer looks. */
let server: TestServer;
let bulk: TestClient;
let tokenUrl: string;

beforeAll(async () => {
  server = await startKardia();
  tokenUrl = `${server.url}/token`;
  bulk = await staticClientCredentialsClient(server, 'system/*.read');
});
afterAll(() => server.close());

const send = (body: string, contentType?: string, method = 'POST') =>
  fetch(tokenUrl, {
    method,
    headers: contentType ? { 'content-type': contentType } : {},
    ...(method === 'GET' ? {} : { body }),
  });

describe('POST /token: the request', () => {
  it('refuses a JSON body with 400 invalid_request', async () => {
    const response = await send(
      JSON.stringify({ grant_type: 'client_credentials' }),
      'application/json',
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    expectNoStore(response.headers);
  });

  it('refuses text and unknown media types with an OAuth error body', async () => {
    const text = await send('grant_type=client_credentials', 'text/plain');
    expect(text.status).toBe(400);
    expect(await text.json()).toMatchObject({ error: 'invalid_request' });

    const xml = await send('<grant_type/>', 'application/xml');
    expect(xml.status).toBe(415);
    expect(((await xml.json()) as { error: string }).error).toBeTypeOf('string');
    expectNoStore(xml.headers);
  });

  it('answers GET and other methods with 405 and an Allow header', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await send('', undefined, method);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toMatchObject({ error: 'method_not_allowed' });
      expectNoStore(response.headers);
    }
  });

  it('refuses a repeated parameter (RFC 6749 §3.2)', async () => {
    const assertion = await assertionParams(bulk, tokenUrl);
    const body = new URLSearchParams({ ...assertion, grant_type: 'client_credentials' });
    body.append('scope', 'system/*.read');
    body.append('scope', 'system/*.read');
    const response = await send(body.toString(), 'application/x-www-form-urlencoded');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('requires grant_type', async () => {
    const response = await requestToken(server, bulk, {});
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
  });

  it('accepts a charset parameter on the form media type', async () => {
    const body = new URLSearchParams({
      ...(await assertionParams(bulk, tokenUrl)),
      grant_type: 'client_credentials',
    });
    const response = await send(
      body.toString(),
      'application/x-www-form-urlencoded; charset=UTF-8',
    );
    expect(response.status).toBe(200);
  });
});

describe('POST /token: grant types', () => {
  it('OA-GEN-5 refuses the password grant with 400 unsupported_grant_type', async () => {
    const fields = { grant_type: 'password', username: 'alice', password: 'correct horse' };
    const authenticated = await requestToken(server, bulk, fields);
    expect(authenticated.status).toBe(400);
    expect(authenticated.body.error).toBe('unsupported_grant_type');

    const anonymous = await postForm(tokenUrl, fields);
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.error).toBe('unsupported_grant_type');
  });

  it('refuses unknown grant types, including names of Object.prototype members', async () => {
    for (const grantType of ['urn:example:unknown', 'implicit', 'constructor', '__proto__']) {
      const response = await requestToken(server, bulk, { grant_type: grantType });
      expect(response.status, grantType).toBe(400);
      expect(response.body.error).toBe('unsupported_grant_type');
    }
  });

  it('OA-TK-9 refuses a grant the client is not registered for: unauthorized_client', async () => {
    const codeClient = await registerCodeClient(server);
    const response = await requestToken(server, codeClient, { grant_type: 'client_credentials' });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('unauthorized_client');
    expect(response.body).not.toHaveProperty('access_token');

    // A client-credentials client has no refresh_token grant either.
    const refresh = await requestToken(server, bulk, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
    });
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('unauthorized_client');
  });

  it('refuses client_credentials to a public native client naming itself', async () => {
    const native = await registerNativeClient(server);
    const response = await postForm(tokenUrl, {
      grant_type: 'client_credentials',
      client_id: native.clientId,
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('unauthorized_client');
  });
});

describe('POST /token: native clients', () => {
  const nativeConfidential = {
    client_name: 'Installed app',
    redirect_uris: ['http://127.0.0.1/callback'],
    token_endpoint_auth_method: 'private_key_jwt',
  };

  it('OA-NC-4 a confidential native client without its assertion gets 401 invalid_client', async () => {
    const native = await registerClient(server, nativeConfidential);
    const response = await postForm(tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: native.clientId,
    });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
    expectNoStore(response.headers);
  });

  it("OA-NC-7 copy A's assertion signed with copy B's key is refused", async () => {
    const copyA = await registerClient(server, nativeConfidential);
    const copyB = await registerClient(server, nativeConfidential);
    expect(copyA.clientId).not.toBe(copyB.clientId);
    const forged = { clientId: copyA.clientId, keys: copyB.keys };
    const response = await requestToken(server, forged, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
    });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
  });

  it('OA-NC-12 a Basic header at /token is refused with 401 invalid_client', async () => {
    const native = await registerNativeClient(server);
    const basic = Buffer.from(`${native.clientId}:secret`).toString('base64');
    const response = await postForm(
      tokenUrl,
      { grant_type: 'refresh_token', refresh_token: 'x', client_id: native.clientId },
      { authorization: `Basic ${basic}` },
    );
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
  });
});

describe('POST /token: caching', () => {
  it('OA-AS-1 every answer, success or error, carries no-store and no-cache', async () => {
    const answers = [
      await requestToken(server, bulk, { grant_type: 'client_credentials' }),
      await requestToken(server, bulk, { grant_type: 'password' }),
      await requestToken(server, bulk, { grant_type: 'client_credentials', scope: 'admin' }),
      await postForm(tokenUrl, { grant_type: 'client_credentials', client_id: bulk.clientId }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 400, 400, 401]);
    for (const answer of answers) expectNoStore(answer.headers);
  });
});
