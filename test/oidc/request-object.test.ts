import { randomBytes } from 'node:crypto';
import { CompactEncrypt, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKeyPair } from '../helpers/clients.js';
import {
  registerCodeClient,
  type RegisteredClient,
  startDocumentServer,
  type DocumentServer,
} from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { responseParams, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { authenticationRequest, authorizeRedirect, random, WEB_CB } from './flow.js';

let server: TestServer;
let user: TestUser;
let client: RegisteredClient;
let agent: UserAgent;
let documents: DocumentServer;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server);
  client = await registerCodeClient(server);
  agent = new UserAgent(server);
  documents = await startDocumentServer();
  // Signed in and consented once, so each request below answers at once.
  await agent.authorize(authenticationRequest(client).params, {
    username: user.username,
    password: user.password,
  });
});
afterAll(async () => {
  await documents.close();
  await server.close();
});

/** A request object as a client signs it (OIDC Core §6.1), claims overridable per test. */
async function requestObject(
  claims: Record<string, unknown> = {},
  key = client.keys,
  header: Record<string, unknown> = {},
) {
  const now = Math.floor(Date.now() / 1000);
  const body: Record<string, unknown> = {
    ...authenticationRequest(client).params,
    iss: client.clientId,
    aud: server.url,
    iat: now,
    exp: now + 120,
    jti: randomBytes(24).toString('base64url'),
    ...claims,
  };
  for (const [name, value] of Object.entries(body)) if (value === undefined) delete body[name];
  return new SignJWT(body)
    .setProtectedHeader({ alg: key.alg, kid: key.publicJwk.kid, ...header })
    .sign(key.privateKey);
}

/** The outer request: what travels beside the object in the URL. */
const outer = (fields: Record<string, string>) => ({
  client_id: client.clientId,
  response_type: 'code',
  redirect_uri: WEB_CB,
  scope: 'openid',
  state: 'outer-state',
  ...fields,
});

async function expectObjectRefused(fields: Record<string, string>, error: string) {
  const answer = await authorizeRedirect(agent, outer(fields));
  expect(answer.status).toBe(302);
  expect(answer.location.startsWith(WEB_CB)).toBe(true);
  expect(answer.params).toMatchObject({ error, state: 'outer-state' });
}

describe('request objects by value', () => {
  it('OIDC-RO-1 uses the parameters inside a signed object over the outer ones', async () => {
    const request = await requestObject({ state: 'inner-state' });
    const answer = await authorizeRedirect(agent, outer({ request }));
    expect(answer.params.state).toBe('inner-state');
    expect(answer.params.code).toBeTruthy();
  });

  it('OIDC-RO-1 accepts an object that carries everything, beside client_id alone', async () => {
    const request = await requestObject({ state: 'jar-style' });
    const answer = await authorizeRedirect(agent, { client_id: client.clientId, request });
    expect(answer.params).toMatchObject({ state: 'jar-style' });
    expect(answer.params.code).toBeTruthy();
  });

  it('OIDC-RO-2 refuses an object signed with a key the client did not register', async () => {
    const stranger = await makeKeyPair();
    await expectObjectRefused(
      { request: await requestObject({}, stranger) },
      'invalid_request_object',
    );
  });

  it('OIDC-RO-2 refuses an unsigned object (alg none)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = { ...authenticationRequest(client).params, iss: client.clientId };
    const unsigned = `${encode({ alg: 'none' })}.${encode({ ...claims, aud: server.url, exp: now + 60, iat: now, jti: random() + random() })}.`;
    await expectObjectRefused({ request: unsigned }, 'invalid_request_object');
  });

  it('OIDC-RO-2 refuses a replayed object, an expired one, and one for another audience', async () => {
    const request = await requestObject();
    expect((await authorizeRedirect(agent, outer({ request }))).params.code).toBeTruthy();
    await expectObjectRefused({ request }, 'invalid_request_object');

    const now = Math.floor(Date.now() / 1000);
    const expired = await requestObject({ iat: now - 600, exp: now - 300 });
    await expectObjectRefused({ request: expired }, 'invalid_request_object');
    const elsewhere = await requestObject({ aud: 'https://other.example' });
    await expectObjectRefused({ request: elsewhere }, 'invalid_request_object');
    const noJti = await requestObject({ jti: undefined });
    await expectObjectRefused({ request: noJti }, 'invalid_request_object');
    const foreign = await requestObject({ client_id: 'someone-else' });
    await expectObjectRefused({ request: foreign }, 'invalid_request_object');
    const tooLong = await requestObject({ exp: now + 86_400 });
    await expectObjectRefused({ request: tooLong }, 'invalid_request_object');
  });

  it('OIDC-RO-2 refuses garbage in request with an error, never a 5xx', async () => {
    for (const request of ['x', 'a.b.c', 'a.b.c.d.e', '....', `${'e'.repeat(3000)}.x.y`]) {
      await expectObjectRefused({ request }, 'invalid_request_object');
    }
    const both = await authorizeRedirect(
      agent,
      outer({ request: await requestObject(), request_uri: `${documents.url}/ro` }),
    );
    expect(both.params.error).toBe('invalid_request');
  });

  it('OIDC-RO-3 accepts an object encrypted to the use:enc key of the JWK Set', async () => {
    const { keys } = (await (await fetch(`${server.url}/jwks`)).json()) as { keys: JWK[] };
    const enc = keys.find((k) => k.use === 'enc');
    expect(enc).toMatchObject({ kty: 'RSA', alg: 'RSA-OAEP' });
    const signed = await requestObject({ state: 'sealed' });
    const jwe = await new CompactEncrypt(new TextEncoder().encode(signed))
      .setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid: enc?.kid, cty: 'JWT' })
      .encrypt(await importJWK(enc as JWK, 'RSA-OAEP'));
    const answer = await authorizeRedirect(agent, outer({ request: jwe }));
    expect(answer.params.state).toBe('sealed');
    expect(answer.params.code).toBeTruthy();

    const unsigned = await new CompactEncrypt(new TextEncoder().encode('{"state":"x"}'))
      .setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid: enc?.kid })
      .encrypt(await importJWK(enc as JWK, 'RSA-OAEP'));
    await expectObjectRefused({ request: unsigned }, 'invalid_request_object');
  });
});

describe('request objects by reference', () => {
  it('OIDC-RO-4 fetches a request_uri and uses the object it serves', async () => {
    documents.serve('/ro-1', await requestObject({ state: 'by-reference' }), {
      headers: { 'content-type': 'application/oauth-authz-req+jwt' },
    });
    const answer = await authorizeRedirect(agent, outer({ request_uri: `${documents.url}/ro-1` }));
    expect(answer.params.state).toBe('by-reference');
    expect(answer.params.code).toBeTruthy();
  });

  it('OIDC-RO-4 refuses unsafe or failing request_uri targets with invalid_request_uri', async () => {
    documents.serve('/missing-status', 'nope', { status: 404 });
    documents.serve('/huge', 'x'.repeat(70 * 1024));
    documents.serve('/redirect', '', { status: 302, headers: { location: 'http://10.0.0.1/' } });
    for (const uri of [
      'http://10.0.0.1/request',
      'https://169.254.169.254/latest/meta-data',
      'https://[fd00::1]/r',
      'http://example.com/request',
      'file:///etc/passwd',
      'not a url',
      `https://example.com/${'a'.repeat(600)}`,
      `${documents.url}/missing-status`,
      `${documents.url}/huge`,
      `${documents.url}/redirect`,
    ]) {
      await expectObjectRefused({ request_uri: uri }, 'invalid_request_uri');
    }
  });

  it('OIDC-RO-4 gives up on a request_uri that does not answer in time', async () => {
    documents.serve('/slow', '', { hang: true });
    await expectObjectRefused({ request_uri: `${documents.url}/slow` }, 'invalid_request_uri');
  }, 15_000);

  it('OIDC-RO-4 uses only registered request_uris when the client registered some', async () => {
    const pinned = await registerCodeClient(server, {
      request_uris: [`${documents.url}/pinned`],
    });
    const pinnedAgent = new UserAgent(server);
    await pinnedAgent.authorize(authenticationRequest(pinned).params, {
      username: user.username,
      password: user.password,
    });
    const base = { client_id: pinned.clientId, response_type: 'code', redirect_uri: WEB_CB };
    const refused = await authorizeRedirect(pinnedAgent, {
      ...base,
      request_uri: `${documents.url}/elsewhere`,
    });
    expect(refused.params.error).toBe('invalid_request_uri');
  });

  it('OIDC-RO-4 refuses loopback targets when the operator has not allowed them', async () => {
    const strict = await startKardia({ allowLoopbackFetch: false });
    try {
      const strictClient = await registerCodeClient(strict);
      const strictAgent = new UserAgent(strict);
      documents.serve('/ro-strict', 'x.y.z');
      const answer = await authorizeRedirect(strictAgent, {
        client_id: strictClient.clientId,
        response_type: 'code',
        redirect_uri: WEB_CB,
        state: 's',
        request_uri: `${documents.url}/ro-strict`,
      });
      expect(responseParams(answer.location)).toMatchObject({
        error: 'invalid_request_uri',
        state: 's',
      });
      expect(documents.hits('/ro-strict')).toBe(0);
    } finally {
      await strict.close();
    }
  });
});
