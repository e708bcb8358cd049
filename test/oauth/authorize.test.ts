import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKeyPair } from '../helpers/clients.js';
import {
  registerCodeClient,
  registerImplicitClient,
  registerNativeClient,
  type RegisteredClient,
} from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { pkcePair, responseParams, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { addStaticClient } from '../../src/oauth/static-registration.js';
import { sha256 } from '../../src/util/random.js';

const WEB_CB = 'https://client.example/callback';
const NATIVE_CB = 'http://127.0.0.1/callback';
const SPA_CB = 'https://spa.example/callback';
const STATE = 'a-b._~9';

let server: TestServer;
let user: TestUser;
let web: RegisteredClient;
let native: RegisteredClient;
let spa: RegisteredClient;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server);
  // OAuth without OpenID Connect: no `openid` scope, so no nonce is needed.
  web = await registerCodeClient(server, { scope: 'patient/*.read user/*.read' });
  native = await registerNativeClient(server, { scope: 'patient/*.read' });
  spa = await registerImplicitClient(server, { scope: 'patient/*.read' });
});
afterAll(() => server.close());

const credentials = () => ({ username: user.username, password: user.password });
const authorizeUrl = (params: Record<string, string>) =>
  `/authorize?${new URLSearchParams(params).toString()}`;
const codeRequest = (extra: Record<string, string> = {}) => ({
  client_id: web.clientId,
  redirect_uri: WEB_CB,
  response_type: 'code',
  state: STATE,
  ...extra,
});

const without = (params: Record<string, string>, name: string) =>
  Object.fromEntries(Object.entries(params).filter(([key]) => key !== name));

/** An agent already signed in, so requests reach the checks after login. */
async function signedInAgent(): Promise<UserAgent> {
  const agent = new UserAgent(server);
  const response = await agent.signIn(user.username, user.password);
  expect(response.status).toBe(303);
  return agent;
}

async function codeCount(): Promise<number> {
  const row = await server.kardia.store.db
    .selectFrom('authorization_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A refusal that must be a page: 400 HTML, no Location, no stack trace. */
async function expectErrorPage(response: Response): Promise<string> {
  expect(response.status).toBe(400);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
  const html = await response.text();
  expect(html).toContain('<html lang="en">');
  expect(html).not.toMatch(/at .*\.(ts|js):\d+/);
  return html;
}

/** A refusal that must travel to the client: 302 to the redirect URI with error and state. */
function expectErrorRedirect(response: Response, redirectUri: string, error: string) {
  expect(response.status).toBe(302);
  const location = response.headers.get('location') ?? '';
  expect(location.startsWith(redirectUri)).toBe(true);
  const params = responseParams(location);
  expect(params.error).toBe(error);
  expect(params.error_description).toBeTruthy();
  expect(params.state).toBe(STATE);
  expect(params.code).toBeUndefined();
  expect(params.access_token).toBeUndefined();
  return location;
}

describe('the code flow at /authorize', () => {
  it('OA-FC-1 OA-FC-2 signs the user in, then returns the code in the query of the redirect URI', async () => {
    const agent = new UserAgent(server);
    const first = await agent.get(authorizeUrl(codeRequest()));
    expect(first.status).toBe(302);
    const login = first.headers.get('location') ?? '';
    expect(login).toMatch(/^\/login\?return_to=%2Fauthorize%3F/);
    expect(login).not.toContain('code=');

    const result = await agent.authorize(codeRequest(), credentials());
    expect(result.sawLogin).toBe(true);
    expect(result.location.startsWith(`${WEB_CB}?code=`)).toBe(true);
    expect(result.location).not.toContain('#');
    expect(responseParams(result.location).state).toBe(STATE);
  });

  it('OA-FC-2 shows the login form again after a wrong password and issues no code', async () => {
    const before = await codeCount();
    const agent = new UserAgent(server);
    const first = await agent.get(authorizeUrl(codeRequest()));
    const returnTo = new URL(first.headers.get('location') ?? '', server.url).searchParams.get(
      'return_to',
    );
    const response = await agent.signIn(user.username, 'not the password', returnTo ?? undefined);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    const html = await response.text();
    expect(html).toContain('name="password"');
    expect(html).toContain('The username or password is not right');
    expect(await codeCount()).toBe(before);
  });

  it('POST /authorize is answered like GET', async () => {
    const agent = await signedInAgent();
    await agent.authorize(codeRequest(), credentials());
    const response = await agent.postForm('/authorize', codeRequest());
    expect(response.status).toBe(302);
    expect(responseParams(response.headers.get('location') ?? '').code).toBeTruthy();
  });
});

describe('PKCE at /authorize', () => {
  const nativeRequest = (extra: Record<string, string> = {}) => ({
    client_id: native.clientId,
    redirect_uri: NATIVE_CB,
    response_type: 'code',
    state: STATE,
    ...extra,
  });

  it('OA-NC-8 OA-NC-10 refuses a public client without code_challenge, with state', async () => {
    const agent = await signedInAgent();
    const response = await agent.get(authorizeUrl(nativeRequest()));
    expectErrorRedirect(response, NATIVE_CB, 'invalid_request');
  });

  it('OA-NC-1 OA-NC-8 gives a public native client a code after login when it sends S256', async () => {
    const { challenge } = pkcePair();
    const agent = new UserAgent(server);
    const result = await agent.authorize(
      nativeRequest({ code_challenge: challenge, code_challenge_method: 'S256' }),
      credentials(),
    );
    expect(result.sawLogin).toBe(true);
    expect(result.location.startsWith(`${NATIVE_CB}?code=`)).toBe(true);
  });

  it('OA-PK-2 refuses plain and a challenge without a method, and issues no code', async () => {
    const agent = await signedInAgent();
    const { challenge } = pkcePair();
    const refused: Record<string, string>[] = [
      { code_challenge: challenge, code_challenge_method: 'plain' },
      { code_challenge: challenge },
      { code_challenge_method: 'S256' },
      { code_challenge: 'too-short', code_challenge_method: 'S256' },
    ];
    for (const extra of refused) {
      const before = await codeCount();
      expectErrorRedirect(
        await agent.get(authorizeUrl(nativeRequest(extra))),
        NATIVE_CB,
        'invalid_request',
      );
      expectErrorRedirect(
        await agent.get(authorizeUrl(codeRequest(extra))),
        WEB_CB,
        'invalid_request',
      );
      expect(await codeCount()).toBe(before);
    }
  });
});

describe('state', () => {
  it('OA-AZ-3 comes back byte for byte on success and on error, in the query and the fragment', async () => {
    const agent = await signedInAgent();
    const success = await agent.authorize(codeRequest(), credentials());
    expect(success.location).toMatch(/[?&]state=a-b\._~9(&|$)/);

    const error = await agent.get(authorizeUrl(codeRequest({ response_type: 'token' })));
    expect(error.headers.get('location')).toMatch(/\?.*state=a-b\._~9(&|$)/);

    const implicitError = await agent.get(
      authorizeUrl({
        client_id: spa.clientId,
        redirect_uri: SPA_CB,
        response_type: 'code',
        state: STATE,
      }),
    );
    expect(implicitError.headers.get('location')).toMatch(/#.*state=a-b\._~9(&|$)/);

    const odd = 'x y/é?&=+%';
    const oddError = await agent.get(
      authorizeUrl(codeRequest({ response_type: 'token', state: odd })),
    );
    expect(responseParams(oddError.headers.get('location') ?? '').state).toBe(odd);
  });
});

describe('redirect URIs', () => {
  const variants = [
    `${WEB_CB}/x`,
    `${WEB_CB}?x=1`,
    `${WEB_CB}/`,
    'https://CLIENT.example/callback',
    'https://client.example:443/callback',
    'http://client.example/callback',
    `${WEB_CB}#x`,
    'https://evil.example/callback',
  ];

  it('OA-AZ-5 OA-RU-2 OA-RM-1 OA-CA-2 compares the redirect URI as a whole string', async () => {
    const agent = await signedInAgent();
    for (const redirectUri of variants) {
      const response = await agent.get(authorizeUrl(codeRequest({ redirect_uri: redirectUri })));
      await expectErrorPage(response);
    }
  });

  it('OA-AZ-7 OA-CA-2 checks the redirect URI of implicit clients alike', async () => {
    const agent = await signedInAgent();
    for (const redirectUri of [`${SPA_CB}/x`, `${SPA_CB}?x=1`, 'https://SPA.example/callback']) {
      const response = await agent.get(
        authorizeUrl({
          client_id: spa.clientId,
          redirect_uri: redirectUri,
          response_type: 'token',
        }),
      );
      await expectErrorPage(response);
    }
  });

  it('OA-AZ-6 refuses a request without redirect_uri, even with one URI registered', async () => {
    expect(web.body.redirect_uris).toEqual([WEB_CB]);
    const request = without(codeRequest(), 'redirect_uri');
    await expectErrorPage(await new UserAgent(server).get(authorizeUrl(request)));
  });
});

describe('clients', () => {
  it('OA-AZ-8 OA-RG-1 answers an unknown or missing client_id with a page, never a redirect', async () => {
    const agent = await signedInAgent();
    const html = await expectErrorPage(
      await agent.get(authorizeUrl(codeRequest({ client_id: 'nope' }))),
    );
    expect(html).toContain('not known');
    await expectErrorPage(await agent.get(authorizeUrl(without(codeRequest(), 'client_id'))));
  });

  it('OA-AZ-9 lets a client use only the response type of its grant', async () => {
    const agent = await signedInAgent();
    expectErrorRedirect(
      await agent.get(authorizeUrl(codeRequest({ response_type: 'token' }))),
      `${WEB_CB}?`,
      'unauthorized_client',
    );
    expectErrorRedirect(
      await agent.get(
        authorizeUrl({
          client_id: spa.clientId,
          redirect_uri: SPA_CB,
          response_type: 'code',
          state: STATE,
        }),
      ),
      `${SPA_CB}#`,
      'unauthorized_client',
    );
    // `id_token` is an implicit type (test/oidc/implicit.test.ts): a code client may not use it.
    expectErrorRedirect(
      await agent.get(authorizeUrl(codeRequest({ response_type: 'id_token' }))),
      `${WEB_CB}?`,
      'unauthorized_client',
    );
    expectErrorRedirect(
      await agent.get(authorizeUrl(codeRequest({ response_type: 'code id_token' }))),
      WEB_CB,
      'unsupported_response_type',
    );
    const request = without(codeRequest(), 'response_type');
    expectErrorRedirect(await agent.get(authorizeUrl(request)), WEB_CB, 'invalid_request');
  });

  it('refuses repeated parameters with a page', async () => {
    const url = `${authorizeUrl(codeRequest())}&state=again`;
    await expectErrorPage(await new UserAgent(server).get(url));
  });
});

describe('scopes', () => {
  it('OA-SC-1 uses the registered scope when the request names none', async () => {
    const agent = new UserAgent(server);
    const other = await createTestUser(server);
    const result = await agent.authorize(codeRequest(), {
      username: other.username,
      password: other.password,
    });
    expect(result.sawConsent).toBe(true);
    for (const scope of String(web.body.scope).split(' ')) {
      expect(result.consentHtml).toContain(`data-scope="${scope}"`);
    }
    const code = responseParams(result.location).code ?? '';
    const row = await server.kardia.store.db
      .selectFrom('authorization_codes')
      .select('scope')
      .where('code_hash', '=', sha256(code))
      .executeTakeFirstOrThrow();
    expect(row.scope).toBe(web.body.scope);
  });

  it('OA-DR-4 refuses a scope outside the registered set with invalid_scope', async () => {
    const agent = await signedInAgent();
    for (const scope of ['patient/*.write', 'openid patient/*.read', 'bad"scope']) {
      expectErrorRedirect(
        await agent.get(authorizeUrl(codeRequest({ scope }))),
        WEB_CB,
        'invalid_scope',
      );
    }
  });

  it('OA-DR-4 holds a statically registered client to its registered scope as well', async () => {
    const keys = await makeKeyPair();
    const client = await addStaticClient(server.kardia, {
      name: 'Clinic portal',
      grant: 'authorization_code',
      jwks: keys.jwks,
      scope: 'patient/*.read',
      redirectUris: ['https://portal.example/cb'],
    });
    const agent = await signedInAgent();
    const response = await agent.get(
      authorizeUrl({
        client_id: client.clientId,
        redirect_uri: 'https://portal.example/cb',
        response_type: 'code',
        scope: 'user/*.read',
        state: STATE,
      }),
    );
    expectErrorRedirect(response, 'https://portal.example/cb', 'invalid_scope');
  });
});
