import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCodeClient, type RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { authenticationRequest, authorizeRedirect, codeFlow } from './flow.js';

const VECTOR = /^[PCMA][A-Za-z0-9]+(\.[PCMA][A-Za-z0-9]+)*$/;

let server: TestServer;
let user: TestUser;
let client: RegisteredClient;
let agent: UserAgent;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server);
  client = await registerCodeClient(server);
  agent = new UserAgent(server);
  await codeFlow(server, agent, user, client);
});
afterAll(() => server.close());

/** Makes the agent's session look as if its password was entered `seconds` ago. */
async function ageSession(seconds: number) {
  await server.kardia.store.db
    .updateTable('login_sessions')
    .set({ auth_time: Math.floor(Date.now() / 1000) - seconds })
    .where('sub', '=', user.sub)
    .execute();
}

describe('Vectors of Trust', () => {
  it('OIDC-VT-1 OIDC-VT-2 answers vtr with one of the requested vectors, and vtm', async () => {
    const { claims } = await codeFlow(server, agent, user, client, {
      vtr: JSON.stringify(['P1.Cc', 'P0.Cb']),
    });
    expect(['P1.Cc', 'P0.Cb']).toContain(claims.vot);
    expect(claims.vot).toMatch(VECTOR);
    expect(claims.vtm).toBe(`${server.url}/trustmark`);
  });

  it('OIDC-VT-2 refuses a malformed vtr with invalid_request, redirected with state', async () => {
    for (const vtr of [
      'P1.Cc',
      '[]',
      '["p1.cc"]',
      '["P1..Cc"]',
      '[1]',
      '{"P":1}',
      '["P1.Cc","X9"]',
      '["P1.P1"]',
      JSON.stringify(Array(11).fill('P1')),
    ]) {
      const { params } = authenticationRequest(client, { vtr, state: 'vtr-state' });
      const answer = await authorizeRedirect(agent, params);
      expect(answer.status, vtr).toBe(302);
      expect(answer.params, vtr).toMatchObject({ error: 'invalid_request', state: 'vtr-state' });
    }
  });

  it('OIDC-VT-2 says so when no requested vector can ever be met', async () => {
    const { params } = authenticationRequest(client, { vtr: '["P3.Cf"]' });
    const answer = await authorizeRedirect(agent, params);
    expect(answer.params.error).toBe('unmet_authentication_requirements');
  });

  it('OIDC-VT-3 shows the login form again when the session does not meet the vector', async () => {
    await ageSession(3600);
    const { params } = authenticationRequest(client, { vtr: '["P1.Cc"]' });
    const first = await authorizeRedirect(agent, params);
    expect(first.status).toBe(302);
    expect(first.location).toMatch(/\/login\?/);

    const login = await codeFlow(server, agent, user, client, { vtr: '["P1.Cc"]' });
    expect(login.sawLogin).toBe(true);
    expect(login.claims.vot).toBe('P1.Cc');
  });

  it('OIDC-VT-3 accepts the standing session for a vector it meets, preferring the first', async () => {
    await ageSession(3600);
    const login = await codeFlow(server, agent, user, client, { vtr: '["P1.Cc","P1.Ca"]' });
    expect(login.sawLogin).toBe(false);
    expect(login.claims.vot).toBe('P1.Ca');
  });

  it('OIDC-VT-4 lets vtr win over acr_values', async () => {
    const { claims } = await codeFlow(server, agent, user, client, {
      vtr: '["P1.Ca"]',
      acr_values: 'urn:kardia:acr:password',
    });
    expect(claims.vot).toBe('P1.Ca');
    expect(claims.vtm).toBeTruthy();
    expect(claims.acr).toBeUndefined();
  });

  it('OIDC-VT-5 gives acr from acr_values alone, and amr as an array of strings', async () => {
    const { claims } = await codeFlow(server, agent, user, client, {
      acr_values: 'urn:other urn:kardia:acr:password',
    });
    expect(claims.acr).toBe('urn:kardia:acr:password');
    expect(claims.vot).toBeUndefined();
    expect(Array.isArray(claims.amr)).toBe(true);
    expect((claims.amr as unknown[]).every((v) => typeof v === 'string')).toBe(true);
  });

  it('OIDC-VT-6 serves the trustmark named by vtm, defining every value it uses', async () => {
    const response = await fetch(`${server.url}/trustmark`);
    expect(response.status).toBe(200);
    const trustmark = (await response.json()) as Record<string, unknown>;
    expect(trustmark.idp).toBe(server.url);
    for (const component of ['P', 'C', 'M', 'A']) {
      expect(Array.isArray(trustmark[component])).toBe(true);
    }
    const definitions = trustmark.definitions as Record<string, string>;
    for (const value of ['P1', 'Ca', 'Cc']) expect(definitions[value]).toBeTruthy();
    const metadata = (await (
      await fetch(`${server.url}/.well-known/openid-configuration`)
    ).json()) as { vot_values_supported: string[] };
    expect(metadata.vot_values_supported).toEqual(
      expect.arrayContaining(['P0', 'P1', 'Ca', 'Cc', 'Ma', 'Ab']),
    );
  });
});
