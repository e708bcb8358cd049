import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessFor } from '../../src/access/feature.js';
import { decodeToken, requestToken } from '../helpers/back-channel.js';
import { postForm } from '../helpers/clients.js';
import { registerClient, type RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { responseParams, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { authorize, bearer, expectAllowed } from './helpers.js';

/**
 * SMART App Launch, standalone (heart-fhir.md 1.5, HFO-17): `launch/patient` at the code grant
 * gives the owner's Patient id in the token response and in the access token, learned by the AS
 * from the RS over HTTP, never from FHIR tables.
 */
const CALLBACK = 'https://client.example/callback';
let server: TestServer;
let owner: TestUser;
let stranger: TestUser;
let app: RegisteredClient;
let fhir: string;

beforeAll(async () => {
  server = await startKardia();
  fhir = `${server.url}/fhir`;
  owner = await createTestUser(server);
  stranger = await createTestUser(server);
  app = await registerClient(server, {
    scope: 'openid fhirUser launch/patient offline_access patient/*.read',
  });
  expect(await (await accessFor(server.kardia)).announceOwner(owner.sub, 'example')).toBe(true);
});
afterAll(() => server.close());

async function codeFlow(user: TestUser, scope: string) {
  const agent = new UserAgent(server);
  const result = await agent.authorize(
    {
      client_id: app.clientId,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope,
      ...(scope.includes('openid') ? { nonce: 'n-0S6_WzA2Mj' } : {}),
    },
    { username: user.username, password: user.password },
  );
  const code = responseParams(result.location).code;
  if (!code) throw new Error(`no code: ${result.location}`);
  const response = await requestToken(server, app, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: CALLBACK,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

describe('launch/patient', () => {
  it('HFO-17 puts the owner Patient id in the token response and the access token', async () => {
    const body = await codeFlow(owner, 'launch/patient patient/*.read');
    expect(body.patient).toBe('example');
    const token = String(body.access_token);
    expect(decodeToken(token).payload.patient).toBe('example');
    // The RS binds the patient/ scope to that compartment.
    const caller = expectAllowed(await authorize(server, bearer(token)));
    expect(caller.read.patients).toEqual(['example']);
  });

  it('fhirUser names the Patient resource at the RS, in the response and the token', async () => {
    const body = await codeFlow(owner, 'openid fhirUser patient/*.read');
    expect(body.fhirUser).toBe(`${fhir}/Patient/example`);
    expect(body.patient).toBeUndefined();
    expect(decodeToken(String(body.access_token)).payload.fhirUser).toBe(`${fhir}/Patient/example`);
  });

  it('carries the patient claim into refreshed access tokens', async () => {
    const body = await codeFlow(owner, 'launch/patient offline_access patient/*.read');
    const refreshed = await requestToken(server, app, {
      grant_type: 'refresh_token',
      refresh_token: String(body.refresh_token),
    });
    expect(refreshed.status).toBe(200);
    expect(decodeToken(String(refreshed.body.access_token)).payload.patient).toBe('example');
  });

  it('HFO-3 adds nothing without launch/patient or for an account with no record', async () => {
    const without = await codeFlow(owner, 'patient/*.read');
    expect(without.patient).toBeUndefined();
    expect(decodeToken(String(without.access_token)).payload.patient).toBeUndefined();
    const unknown = await codeFlow(stranger, 'launch/patient patient/*.read');
    expect(unknown.patient).toBeUndefined();
    const refused = await authorize(server, bearer(String(unknown.access_token)), {
      kind: 'read',
      resourceType: 'Observation',
      id: 'x',
    });
    expect('status' in refused && refused.status).toBe(403);
  });

  it('lets only protected resources report owners, each under its own identifier', async () => {
    const url = `${server.url}/resource-server/launch-patient`;
    const anonymous = await postForm(url, { sub: owner.sub, patient: 'pat1' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('invalid_client');
  });
});
