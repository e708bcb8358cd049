import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCodeClient, type RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { formFields, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { authenticationRequest, authorizeRedirect, codeFlow, WEB_CB } from './flow.js';

const LOGOUT_CB = 'https://client.example/signed-out';

let server: TestServer;
let user: TestUser;
let other: TestUser;
let client: RegisteredClient;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server, { email: 'mary@example.org' });
  other = await createTestUser(server);
  client = await registerCodeClient(server, { post_logout_redirect_uris: [LOGOUT_CB] });
});
afterAll(() => server.close());

/** An agent signed in as `who` who has already approved the client. */
async function signedIn(who: TestUser = user) {
  const agent = new UserAgent(server);
  const login = await codeFlow(server, agent, who, client);
  return { agent, login };
}

const backdate = (seconds: number) =>
  server.kardia.store.db
    .updateTable('login_sessions')
    .set({ auth_time: Math.floor(Date.now() / 1000) - seconds })
    .execute();

describe('prompt', () => {
  it('OIDC-RP-1 prompt=none without a session is login_required, redirected', async () => {
    const { params } = authenticationRequest(client, { prompt: 'none', state: 'p-none' });
    const answer = await authorizeRedirect(new UserAgent(server), params);
    expect(answer.location.startsWith(WEB_CB)).toBe(true);
    expect(answer.params).toMatchObject({ error: 'login_required', state: 'p-none' });
  });

  it('OIDC-RP-1 prompt=none without consent is consent_required', async () => {
    const agent = new UserAgent(server);
    await agent.signIn(other.username, other.password);
    const { params } = authenticationRequest(client, { prompt: 'none' });
    expect((await authorizeRedirect(agent, params)).params.error).toBe('consent_required');
  });

  it('OIDC-RP-1 prompt=none with a session and consent answers at once', async () => {
    const { agent } = await signedIn();
    const { params } = authenticationRequest(client, { prompt: 'none' });
    expect((await authorizeRedirect(agent, params)).params.code).toBeTruthy();
  });

  it('OIDC-RP-1 refuses prompt values Kardia does not serve, and none with others', async () => {
    const { agent } = await signedIn();
    for (const prompt of ['select_account', 'none login', 'bogus']) {
      const { params } = authenticationRequest(client, { prompt });
      expect((await authorizeRedirect(agent, params)).params.error).toBe('invalid_request');
    }
  });

  it('OIDC-ID-11 prompt=login shows the login form once, then answers with a new auth_time', async () => {
    const { agent, login } = await signedIn();
    await backdate(120);
    const again = await codeFlow(server, agent, user, client, { prompt: 'login' });
    expect(again.sawLogin).toBe(true);
    expect(Number(again.claims.auth_time)).toBeGreaterThanOrEqual(Number(login.claims.auth_time));
  });

  it('prompt=consent shows the consent page even with a standing grant', async () => {
    const { agent } = await signedIn();
    const walk = await agent.authorize(authenticationRequest(client, { prompt: 'consent' }).params);
    expect(walk.sawConsent).toBe(true);
  });
});

describe('max_age and hints', () => {
  it('OIDC-ID-11 max_age older than the login asks for a fresh one, and auth_time says so', async () => {
    const { agent } = await signedIn();
    await backdate(600);
    const { params } = authenticationRequest(client, { max_age: '60', prompt: 'none' });
    expect((await authorizeRedirect(agent, params)).params.error).toBe('login_required');
    const fresh = await codeFlow(server, agent, user, client, { max_age: '60' });
    expect(fresh.sawLogin).toBe(true);
    expect(Math.floor(Date.now() / 1000) - Number(fresh.claims.auth_time)).toBeLessThan(60);
    const zero = await codeFlow(server, agent, user, client, { max_age: '0' });
    expect(zero.sawLogin).toBe(true);
    const bad = authenticationRequest(client, { max_age: '-1' }).params;
    expect((await authorizeRedirect(agent, bad)).params.error).toBe('invalid_request');
  });

  it('id_token_hint for the signed-in person answers; for someone else it asks to log in', async () => {
    const { agent, login } = await signedIn();
    const same = authenticationRequest(client, { prompt: 'none', id_token_hint: login.idToken });
    expect((await authorizeRedirect(agent, same.params)).params.code).toBeTruthy();

    const { agent: otherAgent } = await signedIn(other);
    const foreign = authenticationRequest(client, {
      prompt: 'none',
      id_token_hint: login.idToken,
    });
    expect((await authorizeRedirect(otherAgent, foreign.params)).params.error).toBe(
      'login_required',
    );
    const forged = authenticationRequest(client, { id_token_hint: 'a.b.c' });
    expect((await authorizeRedirect(agent, forged.params)).params.error).toBe('invalid_request');
  });

  it('login_hint naming someone else asks to log in; naming the person answers', async () => {
    const { agent } = await signedIn();
    const mine = authenticationRequest(client, { prompt: 'none', login_hint: 'mary@example.org' });
    expect((await authorizeRedirect(agent, mine.params)).params.code).toBeTruthy();
    const theirs = authenticationRequest(client, { prompt: 'none', login_hint: other.username });
    expect((await authorizeRedirect(agent, theirs.params)).params.error).toBe('login_required');
  });
});

describe('RP-initiated logout', () => {
  const isSignedIn = async (agent: UserAgent) => {
    const { params } = authenticationRequest(client, { prompt: 'none' });
    return (await authorizeRedirect(agent, params)).params.code !== undefined;
  };

  it('signs out at once with an id_token_hint and returns to the registered URI with state', async () => {
    const { agent, login } = await signedIn();
    const query = new URLSearchParams({
      id_token_hint: login.idToken,
      post_logout_redirect_uri: LOGOUT_CB,
      state: 'bye',
    });
    const response = await agent.get(`/logout?${query.toString()}`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${LOGOUT_CB}?state=bye`);
    expect(await isSignedIn(agent)).toBe(false);
  });

  it('never returns to a post_logout_redirect_uri the client did not register', async () => {
    const { agent, login } = await signedIn();
    for (const uri of ['https://evil.example/', `${LOGOUT_CB}/x`, WEB_CB]) {
      const query = new URLSearchParams({
        id_token_hint: login.idToken,
        post_logout_redirect_uri: uri,
      });
      const response = await agent.get(`/logout?${query.toString()}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
    const withoutClient = await agent.get(
      `/logout?${new URLSearchParams({ post_logout_redirect_uri: LOGOUT_CB }).toString()}`,
    );
    expect(withoutClient.status).toBe(400);
    expect(await isSignedIn(agent)).toBe(true);
  });

  it('asks first without an id_token_hint, and signs out on allow', async () => {
    const { agent } = await signedIn();
    const query = new URLSearchParams({
      client_id: client.clientId,
      post_logout_redirect_uri: LOGOUT_CB,
    });
    const page = await agent.get(`/logout?${query.toString()}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(await isSignedIn(agent)).toBe(true);
    const fields = formFields(html, 'action="/logout"');
    const forged = await agent.postForm('/logout', {
      ...fields,
      csrf_token: 'x',
      decision: 'allow',
    });
    expect(forged.status).toBe(403);
    const answer = await agent.postForm('/logout', { ...fields, decision: 'allow' });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(LOGOUT_CB);
    expect(await isSignedIn(agent)).toBe(false);
  });

  it('refuses an id_token_hint Kardia did not sign, with a page', async () => {
    const { agent } = await signedIn();
    const response = await agent.get(`/logout?id_token_hint=${'a'.repeat(40)}.b.c`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('advertises the logout endpoint and accepts post_logout_redirect_uris at registration', async () => {
    const metadata = (await (
      await fetch(`${server.url}/.well-known/openid-configuration`)
    ).json()) as { end_session_endpoint: string };
    expect(metadata.end_session_endpoint).toBe(`${server.url}/logout`);
    expect(client.body.post_logout_redirect_uris).toEqual([LOGOUT_CB]);
  });
});
