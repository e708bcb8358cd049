import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { Client as KitClient } from 'fhir-kit-client';
import smart from 'fhirclient';
import type { fhirclient } from 'fhirclient/lib/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessFor } from '../../src/access/feature.js';
import { findLaunchPatient } from '../../src/access/launch/launch-patients.js';
import { generateDemoRecord } from '../../src/fhir/demo/generate.js';
import { importBundle } from '../../src/fhir/import/run.js';
import { decodeToken } from '../helpers/back-channel.js';
import { registerNativeClient, type RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';

/**
 * Two independent FHIR clients against Kardia with real tokens (issue 4): fhirclient, the SMART
 * client, drives the standalone launch as a public native app (dynamic registration, auth `none`,
 * PKCE S256, no client secret, as HEART requires of native clients); a person signs in and
 * consents through Kardia's real pages; fhirclient exchanges the code and reads and searches the
 * record it was given. fhir-kit-client then uses the same access token as a plain Bearer token.
 * Neither library shares code with Kardia.
 */
/** The client `ready()` answers (fhirclient's Client class). */
type SmartClient = Awaited<ReturnType<fhirclient.SMART['ready']>>;

const SCOPE = 'launch/patient patient/*.read openid fhirUser';
const NONCE = randomBytes(16).toString('base64url');

let server: TestServer;
let fhir: string;
let owner: TestUser;
let app: AppHost;
let native: RegisteredClient;
/** The Patient ids of the owner's record and of another account's, which no token here reaches. */
let ownerPatient: string;
let otherPatient: string;
let smartClient: SmartClient;
let accessToken: string;
/** How many Observations fhirclient found, for fhir-kit-client to agree with. */
let observationCount = 0;

/** fhirclient's storage in Node: the app's server-side session, here one Map per test file. */
class MemoryStorage implements fhirclient.Storage {
  private readonly values = new Map<string, unknown>();
  async get(key: string) {
    return this.values.get(key);
  }
  async set(key: string, value: unknown) {
    this.values.set(key, value);
    return value;
  }
  async unset(key: string) {
    return this.values.delete(key);
  }
}

interface AppHost {
  url: string;
  /** The client fhirclient's `ready()` made on the last callback, or its error. */
  ready: Promise<SmartClient>;
  server: Server;
}

/**
 * The SMART app's own web host on loopback (RFC 8252 §7.3): `/launch` starts the standalone
 * launch through fhirclient's Node adapter (which answers a 302 to Kardia's /authorize) and
 * `/callback` hands the authorization response to fhirclient's `ready()`.
 */
async function startApp(): Promise<AppHost> {
  const storage = new MemoryStorage();
  let settle: { resolve: (c: SmartClient) => void; reject: (e: unknown) => void } | undefined;
  const host = {} as AppHost;
  host.ready = new Promise<SmartClient>((resolve, reject) => (settle = { resolve, reject }));
  host.server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const api = smart(request, response, storage);
    if (path === '/launch') {
      // fhirclient 2.6.3 never sends `nonce`, which Kardia requires of every
      // OpenID Connect request (heart-oidc.md, HEART OIDC §2.1; without it: invalid_request).
      // The app uses fhirclient's documented `noRedirect` option to get the authorization URL,
      // adds its own nonce, and redirects itself; the test checks the id_token's nonce, which
      // fhirclient does not.
      api
        .authorize({
          iss: fhir,
          clientId: native.clientId,
          scope: SCOPE,
          redirectUri: `${host.url}/callback`,
          pkceMode: 'required',
          noRedirect: true,
        })
        .then((url) => {
          const authorizeUrl = new URL(String(url));
          authorizeUrl.searchParams.set('nonce', NONCE);
          response.writeHead(302, { location: authorizeUrl.href }).end();
        })
        .catch((error: unknown) => response.writeHead(500).end(String(error)));
      return;
    }
    if (path === '/callback') {
      api.ready().then(
        (client) => {
          settle?.resolve(client);
          response.writeHead(200).end('ready');
        },
        (error: unknown) => {
          settle?.reject(error);
          response.writeHead(500).end(String(error));
        },
      );
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => host.server.listen(0, '127.0.0.1', resolve));
  host.url = `http://127.0.0.1:${(host.server.address() as AddressInfo).port}`;
  return host;
}

/**
 * Imports a demo record for the account, lets the RS report its Patient to the AS (as it does at
 * start), and answers the Patient id the AS now holds for the account.
 */
async function giveDemoRecord(user: TestUser, seed: string): Promise<string> {
  const bundle = generateDemoRecord({ seed, asOf: '2025-06-30', years: 1 });
  await importBundle(server.kardia, bundle, { ownerSub: user.sub });
  await (await accessFor(server.kardia)).ownerSync.runOnce();
  const launch = await findLaunchPatient(server.kardia, user.sub);
  if (!launch) throw new Error('the RS did not report the imported Patient');
  return launch.patientId;
}

beforeAll(async () => {
  server = await startKardia();
  fhir = `${server.url}/fhir`;
  owner = await createTestUser(server);
  const other = await createTestUser(server);
  ownerPatient = await giveDemoRecord(owner, 'fhir-clients-owner');
  otherPatient = await giveDemoRecord(other, 'fhir-clients-other');
  app = await startApp();
  native = await registerNativeClient(server, {
    client_name: 'SMART app (fhirclient)',
    redirect_uris: [`${app.url}/callback`],
    scope: SCOPE,
  });
});

afterAll(async () => {
  app?.server.closeAllConnections();
  await new Promise<void>((resolve) => (app ? app.server.close(() => resolve()) : resolve()));
  await server?.close();
});

type Searchset = Bundle & { entry?: { resource: { resourceType: string; id: string } }[] };

describe('fhirclient: SMART standalone launch as a public native app', () => {
  it('HFO-17 OA-NC-1 OA-NC-3 OA-NC-8 launches with PKCE S256 and no secret, and learns the owner Patient', async () => {
    // The app starts the launch: fhirclient reads /fhir/.well-known/smart-configuration and
    // redirects to /authorize with a PKCE challenge, `aud` and `state`.
    const launch = await fetch(`${app.url}/launch`, { redirect: 'manual' });
    expect(launch.status, await launch.clone().text()).toBe(302);
    const authorizeUrl = new URL(String(launch.headers.get('location')));
    expect(authorizeUrl.href.startsWith(`${server.url}/authorize?`)).toBe(true);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('aud')).toBe(fhir);

    // The person signs in and allows; Kardia redirects the browser back to the app.
    const agent = new UserAgent(server);
    const result = await agent.authorize(authorizeUrl.href, {
      username: owner.username,
      password: owner.password,
    });
    expect(result.sawConsent, result.location).toBe(true);
    expect(result.location.startsWith(`${app.url}/callback?`)).toBe(true);
    const callback = await fetch(result.location);
    expect(callback.status, await callback.clone().text()).toBe(200);

    smartClient = await app.ready;
    const token = smartClient.state.tokenResponse;
    expect(token?.patient).toBe(ownerPatient);
    expect(smartClient.getPatientId()).toBe(ownerPatient);
    expect(token?.scope?.split(' ')).toEqual(expect.arrayContaining(['launch/patient']));
    accessToken = String(token?.access_token);
    expect(decodeToken(accessToken).payload.patient).toBe(ownerPatient);
    expect(decodeToken(String(token?.id_token)).payload.nonce).toBe(NONCE);
    // fhirUser names the owner's Patient at the RS, in the token response and (SMART App
    // Launch 2, identity scopes) in the ID token, where fhirclient's getFhirUser() reads it.
    expect(token?.fhirUser).toBe(`${fhir}/Patient/${ownerPatient}`);
    expect(decodeToken(String(token?.id_token)).payload.fhirUser).toBe(token?.fhirUser);
    expect(smartClient.getFhirUser()).toBe(`Patient/${ownerPatient}`);
  });

  it('FHIR-4 HFO-17 reads the launched Patient through client.patient.read()', async () => {
    const patient = (await smartClient.patient.read()) as Patient;
    expect(patient.resourceType).toBe('Patient');
    expect(patient.id).toBe(ownerPatient);
    expect(patient.name?.length).toBeGreaterThan(0);
  });

  it('FHIR-14 FHIR-16 HFO-4 searches the record through client.request, following every page', async () => {
    const observations = (await smartClient.request<Observation[]>(
      `Observation?patient=${ownerPatient}&_count=50`,
      { pageLimit: 0, flat: true },
    )) as Observation[];
    expect(observations.length).toBeGreaterThan(50);
    observationCount = observations.length;
    expect(new Set(observations.map((o) => o.id)).size).toBe(observations.length);
    for (const observation of observations) {
      expect(observation.subject?.reference).toBe(`Patient/${ownerPatient}`);
    }
    const conditions = (await smartClient.patient.request<Searchset>('Condition')) as Searchset;
    expect(conditions.type).toBe('searchset');
    expect(conditions.entry?.length).toBeGreaterThan(0);
  });

  it('HFO-2 HFO-17 keeps the patient/ scope inside the launched record', async () => {
    await expect(smartClient.request(`Patient/${otherPatient}`)).rejects.toMatchObject({
      statusCode: 404,
    });
    const others = (await smartClient
      .request<Searchset>(`Observation?patient=${otherPatient}`)
      .catch((error: { statusCode?: number }) => error)) as Searchset & { statusCode?: number };
    expect(others.statusCode).toBeUndefined();
    expect(others.type).toBe('searchset');
    expect(others.entry ?? []).toHaveLength(0);
  });
});

describe('fhir-kit-client with the token of the SMART launch', () => {
  const kit = () =>
    new KitClient({ baseUrl: fhir, customHeaders: { Authorization: `Bearer ${accessToken}` } });

  it('FHIR-4 reads the Patient with a Bearer token', async () => {
    const patient = (await kit().read({ resourceType: 'Patient', id: ownerPatient })) as Patient;
    expect(patient).toMatchObject({ resourceType: 'Patient', id: ownerPatient });
  });

  it('FHIR-14 FHIR-16 searches Observations and walks the pages with nextPage', async () => {
    const client = kit();
    let page = (await client.search({
      resourceType: 'Observation',
      searchParams: { patient: ownerPatient, _count: '40' },
    })) as unknown as Searchset | false | undefined;
    const seen = new Set<string>();
    let pages = 0;
    while (page) {
      pages += 1;
      expect(page.type).toBe('searchset');
      for (const entry of page.entry ?? []) seen.add(entry.resource.id);
      page = (await client.nextPage({ bundle: page as never })) as unknown as
        Searchset | false | undefined;
    }
    expect(pages).toBeGreaterThan(1);
    // Two independent clients, two paging schemes, one answer.
    expect(seen.size).toBe(observationCount);
  });

  it('HFO-2 HFO-17 finds nothing of another record with that token', async () => {
    await expect(kit().read({ resourceType: 'Patient', id: otherPatient })).rejects.toMatchObject({
      response: { status: 404 },
    });
  });

  it('OA-PR-1 gets 401 with a Bearer challenge without a token', async () => {
    type Refusal = { response?: { status?: number }; config?: { headers?: Headers } };
    const anonymous = new KitClient({ baseUrl: fhir });
    const refusals = await Promise.all([
      anonymous.read({ resourceType: 'Patient', id: ownerPatient }).then(
        () => undefined,
        (error: Refusal) => error,
      ),
      anonymous
        .search({ resourceType: 'Observation', searchParams: { patient: ownerPatient } })
        .then(
          () => undefined,
          (error: Refusal) => error,
        ),
    ]);
    for (const refusal of refusals) {
      expect(refusal?.response?.status).toBe(401);
      expect(refusal?.config?.headers?.get('www-authenticate')).toMatch(/^Bearer\b/);
    }
  });
});
