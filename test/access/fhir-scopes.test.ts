import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessFor } from '../../src/access/feature.js';
import { clientCredentialsToken, revoke } from '../helpers/back-channel.js';
import { staticClientCredentialsClient } from '../helpers/clients.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { accessToken, type Fixtures, loadFixtures } from './fixtures.js';
import { lastAllowedAfter, signWithAsKey } from './helpers.js';

/**
 * HEART FHIR OAuth 2.0 scopes (heart-fhir.md 1.7) over HTTP at `<issuer>/fhir`, with tokens the
 * AS issued, checked by the RS through discovery, JWKS and introspection.
 */
let server: TestServer;
let fx: Fixtures;
let fhir: string;

beforeAll(async () => {
  server = await startKardia();
  fhir = `${server.url}/fhir`;
  fx = await loadFixtures(server);
});
afterAll(() => server.close());

async function call(token: string | undefined, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(`${fhir}${path}`, { ...init, headers });
  const text = await response.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  return { status: response.status, headers: response.headers, body };
}

const ids = (body: Record<string, unknown>) =>
  ((body as unknown as Bundle).entry ?? [])
    .filter((entry) => entry.search?.mode !== 'outcome')
    .map((entry) => `${entry.resource?.resourceType}/${entry.resource?.id}`)
    .sort();

const post = (resource: Record<string, unknown>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/fhir+json' },
  body: JSON.stringify(resource),
});

const newObservation = (patient: string) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'Weight' },
  subject: { reference: `Patient/${patient}` },
});

const tokenA = (scope: string, patient?: string) => accessToken(server, fx.a.sub, scope, patient);
const tokenF = (scope: string, patient?: string) => accessToken(server, fx.f.sub, scope, patient);

describe('HEART FHIR OAuth 2.0 scopes at the FHIR server', () => {
  it('HFO-1 patient/Observation.read @example searches the bound record', async () => {
    const token = await tokenA('patient/Observation.read', 'example');
    const answer = await call(token, '/Observation?patient=example');
    expect(answer.status).toBe(200);
    expect(answer.body.type).toBe('searchset');
    expect(ids(answer.body)).toEqual(['Observation/obs-example']);
  });

  it('HFO-2 patient/ finds nothing for pat1; A’s user/ finds both records', async () => {
    const bound = await tokenA('patient/Observation.read', 'example');
    expect(ids((await call(bound, '/Observation?patient=pat1')).body)).toEqual([]);
    const user = await tokenA('user/Observation.read');
    expect(ids((await call(user, '/Observation')).body)).toEqual([
      'Observation/obs-example',
      'Observation/obs-pat1',
    ]);
  });

  it('FHIR-18 FHIR-34 a search confined to the caller’s records keeps its answers with each condition asked row by row', async () => {
    // A user/ token confines the search to A's compartments, which then drive the query and the
    // search's own conditions are asked of each row (src/fhir/search/conditions/sql.ts).
    const user = await tokenA('user/Observation.read');
    const search = async (query: string) => {
      const answer = await call(user, `/Observation?${query}`);
      expect(answer.status).toBe(200);
      return { ids: ids(answer.body), total: (answer.body as unknown as Bundle).total };
    };
    const both = ['Observation/obs-example', 'Observation/obs-pat1'];
    expect((await search('code=8867-4')).ids).toEqual(both);
    expect((await search('code=http://loinc.org|8867-4&patient=pat1')).ids).toEqual([
      'Observation/obs-pat1',
    ]);
    expect((await search('code:not=8867-4')).ids).toEqual([]);
    expect((await search('code:missing=false')).ids).toEqual(both);
    expect((await search('code:missing=true')).ids).toEqual([]);
    expect((await search('code=0000-0')).ids).toEqual([]);
    expect(await search('code=8867-4&_count=1')).toMatchObject({ total: 2 });
  });

  it('HFO-3 patient/*.read without a patient claim is refused with 403', async () => {
    const token = await tokenA('patient/*.read');
    const answer = await call(token, '/Observation/obs-example');
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
  });

  it('HFO-4 patient/*.read @example covers Condition and Immunization', async () => {
    const token = await tokenA('patient/*.read', 'example');
    expect(ids((await call(token, '/Condition?patient=example')).body)).toEqual([
      'Condition/cond-example',
    ]);
    expect(ids((await call(token, '/Immunization?patient=example')).body)).toEqual([
      'Immunization/imm-example',
    ]);
  });

  it('HFO-5 OA-PR-3 a scope naming one type gives 403 insufficient_scope on another', async () => {
    const token = await tokenA('patient/Observation.read', 'example');
    const answer = await call(token, '/Condition?patient=example');
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toBe(
      `Bearer realm="${fhir}", error="insufficient_scope", scope="patient/Condition.read"`,
    );
    expect((answer.body.issue as { code: string }[])[0]?.code).toBe('forbidden');
  });

  it('records a refused request with who was refused, for the owner to see', async () => {
    const token = await tokenA('patient/Observation.read', 'example');
    expect((await call(token, '/Condition?patient=example')).status).toBe(403);
    const [latest] = await (await accessFor(server.kardia)).auditOfOwner(fx.a.sub, { limit: 1 });
    expect(latest).toMatchObject({
      outcome: 'refused',
      status: 403,
      sub: fx.a.sub,
      clientId: 'hfo-test-app',
      resourceType: 'Condition',
    });
  });

  it('HFO-6 read opens reading but not writing', async () => {
    const token = await tokenA('patient/Observation.read', 'example');
    expect((await call(token, '/Observation/obs-example')).status).toBe(200);
    expect((await call(token, '/Observation', post(newObservation('example')))).status).toBe(403);
  });

  it('HFO-7 write opens create but not read', async () => {
    const token = await tokenA('patient/Observation.write', 'example');
    const created = await call(token, '/Observation', post(newObservation('example')));
    expect(created.status).toBe(201);
    expect((await call(token, `/Observation/${String(created.body.id)}`)).status).toBe(403);
  });

  it('HFO-8 * opens create, read and delete', async () => {
    const token = await tokenA('patient/Observation.*', 'example');
    const created = await call(token, '/Observation', post(newObservation('example')));
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    expect((await call(token, `/Observation/${id}`)).status).toBe(200);
    const removed = await call(token, `/Observation/${id}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
  });

  it('HFO-9 writes under a patient/ scope stay in the bound compartment', async () => {
    const token = await tokenA('patient/*.*', 'example');
    expect((await call(token, '/Observation', post(newObservation('pat1')))).status).toBe(403);
    const reference = { resourceType: 'Practitioner', name: [{ family: 'New' }] };
    expect((await call(token, '/Practitioner', post(reference))).status).toBe(403);
    // Shared reference data stays readable under a read scope naming the type or *.
    expect((await call(token, '/Practitioner/prac1')).status).toBe(200);
  });

  it('HFO-10 lists the conf/, sens/ and btg scopes it enforces', async () => {
    const response = await fetch(`${fhir}/.well-known/smart-configuration`);
    const body = (await response.json()) as { scopes_supported: string[]; capabilities: string[] };
    expect(body.scopes_supported).toEqual(expect.arrayContaining(['conf/R', 'sens/PSY', 'btg']));
    expect(body.capabilities).toEqual(
      expect.arrayContaining(['launch-standalone', 'context-standalone-patient']),
    );
  });

  it('HFO-11 withholds sensitive data without the sens/ scope', async () => {
    const plain = await tokenF('patient/*.read', 'f201');
    const without = await call(plain, '/Condition?patient=f201');
    expect(ids(without.body)).toEqual(['Condition/cond-f201']);
    expect((without.body as unknown as Bundle).total).toBe(1);
    const cleared = await tokenF('patient/*.read sens/TBOO', 'f201');
    expect(ids((await call(cleared, '/Condition?patient=f201')).body)).toEqual([
      'Condition/cond-f201',
      'Condition/f202',
    ]);
  });

  it('HFO-12 restricted data needs conf/R: hidden from search and 404 on read otherwise', async () => {
    const normal = await tokenA('patient/*.read conf/N', 'example');
    expect(ids((await call(normal, '/Observation?patient=example')).body)).not.toContain(
      'Observation/obs-r',
    );
    expect((await call(normal, '/Observation/obs-r')).status).toBe(404);
    const restricted = await tokenA('patient/*.read conf/R', 'example');
    expect((await call(restricted, '/Observation/obs-r')).status).toBe(200);
    expect((await call(restricted, '/Observation/obs-v')).status).toBe(404);
  });

  it('HFO-13 sens/NOTACODE adds nothing and breaks nothing; conf/V shows V data', async () => {
    const odd = await tokenF('patient/*.read sens/NOTACODE', 'f201');
    const answer = await call(odd, '/Condition?patient=f201');
    expect(answer.status).toBe(200);
    expect(ids(answer.body)).not.toContain('Condition/f202');
    const veryRestricted = await tokenA('patient/*.read conf/V', 'example');
    expect((await call(veryRestricted, '/Observation/obs-v')).status).toBe(200);
  });

  it('HFO-14 btg reveals labelled data and the owner sees a BTG AuditEvent', async () => {
    const token = await accessToken(server, 'doctor-b', 'patient/*.read btg', 'f201');
    expect(ids((await call(token, '/Condition?patient=f201')).body)).toContain('Condition/f202');
    const history = await (await accessFor(server.kardia)).auditBundleOfOwner(fx.f.sub);
    const events = (history.entry ?? []).map((entry) => entry.resource as AuditEvent);
    const btg = events.filter((e) => e.purposeOfEvent?.[0]?.coding?.[0]?.code === 'BTG');
    expect(btg.length).toBeGreaterThan(0);
    expect(btg[0]?.agent.map((agent) => agent.who?.identifier?.value)).toEqual([
      'doctor-b',
      'hfo-test-app',
    ]);
  });

  it('HFO-15 without btg f202 is withheld and no new BTG event is written', async () => {
    const count = async () =>
      ((await (await accessFor(server.kardia)).auditBundleOfOwner(fx.f.sub)).entry ?? []).filter(
        (e) => (e.resource as AuditEvent).purposeOfEvent,
      ).length;
    const before = await count();
    const token = await accessToken(server, 'doctor-b', 'patient/*.read', 'f201');
    expect(ids((await call(token, '/Condition?patient=f201')).body)).not.toContain(
      'Condition/f202',
    );
    expect(await count()).toBe(before);
  });

  it('HFO-16 OA-PR-5 a token whose aud lacks the FHIR base is refused', async () => {
    const elsewhere = await signWithAsKey(server, {
      sub: fx.a.sub,
      aud: ['https://other.example/fhir'],
      scope: 'user/*.read',
    });
    const refused = await call(elsewhere, '/Observation');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    const here = await signWithAsKey(server, { sub: fx.a.sub, aud: [fhir], scope: 'user/*.read' });
    expect((await call(here, '/Observation')).status).toBe(200);
  });

  it('HFO-17 the bound record is the token’s patient: Patient/pat1 200, Patient/example 404', async () => {
    const token = await tokenA('patient/*.read', 'pat1');
    expect((await call(token, '/Patient/pat1')).status).toBe(200);
    expect((await call(token, '/Patient/example')).status).toBe(404);
  });

  it('HFO-18 unregistered permission or access types grant nothing, never a 5xx', async () => {
    for (const scope of ['foo/Observation.read', 'patient/Observation.frobnicate']) {
      const token = await tokenA(scope, 'example');
      expect((await call(token, '/Observation?patient=example')).status).toBe(403);
    }
  });
});

describe('HEART OAuth protected-resource rules over HTTP', () => {
  it('OA-PR-4 no token: 401 with a plain Bearer challenge and an OperationOutcome', async () => {
    const answer = await call(undefined, '/Observation');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe(`Bearer realm="${fhir}"`);
    expect(answer.body.resourceType).toBe('OperationOutcome');
  });

  it('OA-PR-1 OA-PR-2 the header and the access_token parameter give the same answer', async () => {
    const token = await tokenA('user/Observation.read');
    const byHeader = await call(token, '/Observation');
    const byQuery = await call(undefined, `/Observation?access_token=${token}`);
    expect(byHeader.status).toBe(200);
    expect(byQuery.status).toBe(200);
    expect(ids(byQuery.body)).toEqual(ids(byHeader.body));
    expect((await call(undefined, '/Observation?access_token=garbage')).status).toBe(401);
  });

  it('OA-IN-6 OA-PR-8 a revoked token is refused within one second', async () => {
    const client = await staticClientCredentialsClient(server, 'user/*.read');
    const token = await clientCredentialsToken(server, client);
    expect((await call(token, '/Observation')).status).toBe(200);
    expect((await revoke(server, client, { token })).status).toBe(200);
    const revokedAt = Date.now();
    const outcome = await lastAllowedAfter(
      revokedAt,
      async () => (await call(token, '/Observation')).status === 200,
    );
    expect(outcome.refused).toBe(true);
    expect(outcome.lastAllowed).toBeLessThan(1_000);
    const answer = await call(token, '/Observation');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });
});
