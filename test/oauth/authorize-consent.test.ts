import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveNewClient } from '../../src/oauth/client-registry.js';
import { revokeConsent } from '../../src/oauth/consent-grants.js';
import { addStaticClient } from '../../src/oauth/static-registration.js';
import { makeKeyPair } from '../helpers/clients.js';
import { registerCodeClient, type RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { formFields, responseParams, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';

const WEB_CB = 'https://client.example/callback';
const STATE = 'consent-state_1';

let server: TestServer;
let web: RegisteredClient;

beforeAll(async () => {
  server = await startKardia();
  web = await registerCodeClient(server, { scope: 'patient/*.read user/Observation.read conf/R' });
});
afterAll(() => server.close());

const request = (clientId: string, redirectUri = WEB_CB, extra: Record<string, string> = {}) => ({
  client_id: clientId,
  redirect_uri: redirectUri,
  response_type: 'code',
  state: STATE,
  ...extra,
});

/** A new user, signed in, looking at the consent page for `params`. */
async function consentPage(params: Record<string, string>) {
  const user = await createTestUser(server);
  const agent = new UserAgent(server);
  await agent.signIn(user.username, user.password);
  const response = await agent.get(`/authorize?${new URLSearchParams(params).toString()}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return { user, agent, html: await response.text() };
}

const grantsOf = (user: TestUser) =>
  server.kardia.store.db
    .selectFrom('consent_grants')
    .selectAll()
    .where('sub', '=', user.sub)
    .execute();

describe('the consent page', () => {
  it('OA-DR-5 OA-AP-1 tells the user that a dynamically registered client registered itself', async () => {
    const { html } = await consentPage(request(web.clientId));
    expect(html).toMatch(/<div class="client" data-registration="dynamic"/);
    expect(html).toContain('Test web app');
    expect(html).toContain('registered itself');
  });

  it('OA-AP-1 says when an administrator registered the client', async () => {
    const keys = await makeKeyPair();
    const client = await addStaticClient(server.kardia, {
      name: 'Clinic portal',
      grant: 'authorization_code',
      jwks: keys.jwks,
      scope: 'patient/*.read',
      redirectUris: ['https://portal.example/cb'],
    });
    const { html } = await consentPage(request(client.clientId, 'https://portal.example/cb'));
    expect(html).toMatch(/data-registration="static"/);
    expect(html).not.toMatch(/data-registration="dynamic"/);
    expect(html).toContain('Clinic portal');
    expect(html).toContain('It presented no software statement');
  });

  it('OA-AP-2 shows who issued the software statement the client came with', async () => {
    const keys = await makeKeyPair();
    const client = await saveNewClient(server.kardia, {
      kind: 'client',
      registration: 'dynamic',
      clientName: 'Certified app',
      metadata: { client_name: 'Certified app' },
      grantTypes: ['authorization_code'],
      responseTypes: ['code'],
      redirectUris: ['https://certified.example/cb'],
      authMethod: 'private_key_jwt',
      jwks: keys.jwks,
      jwksUri: null,
      scope: 'patient/*.read',
      softwareStatementIssuer: 'https://statements.example.org',
    });
    const { html } = await consentPage(request(client.clientId, 'https://certified.example/cb'));
    expect(html).toContain('data-software-statement-issuer="https://statements.example.org"');
    expect(html).toContain('software statement issued by');
  });

  it('OA-AP-3 names every requested scope, in words', async () => {
    const { html } = await consentPage(request(web.clientId));
    for (const [scope, words] of [
      ['conf/R', 'Include information marked as restricted confidentiality'],
      ['patient/*.read', 'See all information in your health record'],
      ['user/Observation.read', 'See observations in every health record you can reach'],
    ]) {
      expect(html).toContain(`data-scope="${scope}"`);
      expect(html).toContain(words);
    }
  });

  it('has Allow and Deny buttons named decision, labelled inputs and no inline script or style', async () => {
    const { html } = await consentPage(request(web.clientId));
    expect(html).toContain('<button type="submit" name="decision" value="allow"');
    expect(html).toContain('<button type="submit" name="decision" value="deny"');
    expect(html).not.toMatch(/<script|<style|style="/);
    expect(html).toContain('<html lang="en">');
  });
});

describe('the decision', () => {
  it('remembers an allow as a consent grant, skips the page next time, and asks again after revocation', async () => {
    const user = await createTestUser(server);
    const agent = new UserAgent(server);
    const credentials = { username: user.username, password: user.password };

    const first = await agent.authorize(request(web.clientId), credentials);
    expect(first.sawConsent).toBe(true);
    expect(responseParams(first.location).code).toBeTruthy();
    const grants = await grantsOf(user);
    expect(grants).toHaveLength(1);
    expect(grants[0]?.client_id).toBe(web.clientId);
    expect(grants[0]?.scope).toBe('patient/*.read user/Observation.read conf/R');

    const second = await agent.authorize(
      request(web.clientId, WEB_CB, { scope: 'patient/*.read' }),
    );
    expect(second.sawConsent).toBe(false);
    expect(responseParams(second.location).code).toBeTruthy();

    expect(await revokeConsent(server.kardia, user.sub, grants[0]?.id ?? '')).toBe(true);
    const third = await agent.authorize(request(web.clientId), credentials);
    expect(third.sawConsent).toBe(true);
    expect((await grantsOf(user)).filter((g) => g.revoked_at === null)).toHaveLength(1);
  });

  it('asks again when a request goes beyond the scopes already granted, then widens the grant', async () => {
    const user = await createTestUser(server);
    const agent = new UserAgent(server);
    const credentials = { username: user.username, password: user.password };
    await agent.authorize(request(web.clientId, WEB_CB, { scope: 'conf/R' }), credentials);
    const wider = await agent.authorize(
      request(web.clientId, WEB_CB, { scope: 'conf/R patient/*.read' }),
    );
    expect(wider.sawConsent).toBe(true);
    const grants = await grantsOf(user);
    expect(grants).toHaveLength(1);
    expect(grants[0]?.scope).toBe('conf/R patient/*.read');
  });

  it('answers deny with access_denied and state, and remembers no grant', async () => {
    const user = await createTestUser(server);
    const agent = new UserAgent(server);
    const result = await agent.authorize(request(web.clientId), {
      username: user.username,
      password: user.password,
      decision: 'deny',
    });
    const params = responseParams(result.location);
    expect(result.location.startsWith(`${WEB_CB}?`)).toBe(true);
    expect(params.error).toBe('access_denied');
    expect(params.state).toBe(STATE);
    expect(params.code).toBeUndefined();
    expect(await grantsOf(user)).toHaveLength(0);
  });

  it('refuses a decision whose CSRF token is missing or wrong, with a page and no redirect', async () => {
    const { user, agent, html } = await consentPage(request(web.clientId));
    const fields = formFields(html, 'action="/authorize/decision"');
    const real = fields.csrf_token ?? '';
    // One character changed: the first one, to a letter it is not already.
    const altered = `${real.startsWith('A') ? 'B' : 'A'}${real.slice(1)}`;
    for (const csrf of [undefined, 'forged', altered]) {
      const rest = Object.fromEntries(Object.entries(fields).filter(([n]) => n !== 'csrf_token'));
      const body = {
        ...rest,
        decision: 'allow',
        ...(csrf === undefined ? {} : { csrf_token: csrf }),
      };
      const response = await agent.postForm('/authorize/decision', body);
      expect(response.status).toBe(403);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('This form has expired');
    }
    expect(await grantsOf(user)).toHaveLength(0);
  });

  it("refuses a decision posted with another user's session token", async () => {
    const first = await consentPage(request(web.clientId));
    const second = await consentPage(request(web.clientId));
    const stolen = formFields(first.html, 'action="/authorize/decision"');
    const response = await second.agent.postForm('/authorize/decision', {
      ...stolen,
      decision: 'allow',
    });
    expect(response.status).toBe(403);
    expect(await grantsOf(second.user)).toHaveLength(0);
  });

  it('sends a decision without a session to the login page, granting nothing', async () => {
    const { user, html } = await consentPage(request(web.clientId));
    const fields = formFields(html, 'action="/authorize/decision"');
    const stranger = new UserAgent(server);
    const response = await stranger.postForm('/authorize/decision', {
      ...fields,
      decision: 'allow',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(/^\/login\?return_to=/);
    expect(await grantsOf(user)).toHaveLength(0);
  });
});
