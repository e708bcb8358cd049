import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FhirServer, fhir, issueOf, loadFixtures, startFhir } from './helpers.js';

let server: FhirServer;
beforeAll(async () => {
  server = await startFhir();
  await loadFixtures(server);
});
afterAll(() => server.close());

const observation = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: 'Patient/example' },
  effectiveDateTime: '2020-05-01T10:00:00Z',
  ...extra,
});

describe('FHIR REST interactions', () => {
  it('FHIR-1 FHIR-35 publishes an instance CapabilityStatement with every served type and the OAuth URIs', async () => {
    const answer = await fhir(server, 'GET', '/metadata');
    expect(answer.status).toBe(200);
    const cs = answer.body as {
      resourceType: string;
      fhirVersion: string;
      kind: string;
      implementation?: { url: string };
      format: string[];
      rest: {
        security: {
          cors: boolean;
          extension: { url: string; extension: { url: string; valueUri: string }[] }[];
        };
        resource: {
          type: string;
          interaction: { code: string }[];
          searchParam?: { name: string; definition: string }[];
        }[];
        interaction: { code: string }[];
      }[];
    };
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.kind).toBe('instance');
    expect(cs.implementation?.url).toBe(server.base);
    expect(cs.format).toContain('json');
    const rest = cs.rest[0];
    const types = rest?.resource.map((r) => r.type) ?? [];
    for (const type of ['Patient', 'Observation', 'Condition', 'MedicationRequest', 'Binary']) {
      expect(types).toContain(type);
    }
    const obs = rest?.resource.find((r) => r.type === 'Observation');
    expect(obs?.interaction.map((i) => i.code)).toEqual(
      expect.arrayContaining([
        'read',
        'vread',
        'update',
        'patch',
        'delete',
        'create',
        'search-type',
      ]),
    );
    expect(obs?.searchParam?.find((p) => p.name === 'code')?.definition).toBe(
      'http://hl7.org/fhir/SearchParameter/clinical-code',
    );
    expect(rest?.interaction.map((i) => i.code).sort()).toEqual(['batch', 'transaction']);
    expect(rest?.security.cors).toBe(true);
    const oauth = rest?.security.extension.find((e) => e.url.endsWith('/oauth-uris'));
    expect(oauth?.extension.find((e) => e.url === 'token')?.valueUri).toBe(`${server.url}/token`);
  });

  it('FHIR-2 FHIR-4 reads with the FHIR JSON type, the URL id, ETag and Last-Modified', async () => {
    const answer = await fhir(server, 'GET', '/Patient/example', {
      headers: { accept: 'application/fhir+json' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    const body = answer.body as { id: string; meta: { versionId: string; lastUpdated: string } };
    expect(body.id).toBe('example');
    expect(answer.headers.get('etag')).toBe(`W/"${body.meta.versionId}"`);
    expect(answer.headers.get('last-modified')).toBe(new Date(body.meta.lastUpdated).toUTCString());
  });

  it('FHIR-3 lets _format win over Accept', async () => {
    const answer = await fhir(server, 'GET', '/Patient/example?_format=json', {
      headers: { accept: 'text/html' },
    });
    expect(answer.status).toBe(200);
    expect((answer.body as { resourceType: string }).resourceType).toBe('Patient');
  });

  it('FHIR-24 answers 406 when JSON is not acceptable and 415 for an unreadable body type', async () => {
    const xml = await fhir(server, 'GET', '/Patient/example?_format=xml');
    expect(xml.status).toBe(406);
    expect(issueOf(xml)?.severity).toBe('error');
    const html = await fhir(server, 'GET', '/Patient/example', {
      headers: { accept: 'text/html' },
    });
    expect(html.status).toBe(406);
    const text = await fhir(server, 'POST', '/Observation', {
      raw: JSON.stringify(observation()),
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
  });

  it('FHIR-5 FHIR-23 answers 404 for an unknown id or type and 410 after a delete, with an OperationOutcome', async () => {
    const missing = await fhir(server, 'GET', '/Patient/nope');
    expect(missing.status).toBe(404);
    expect(issueOf(missing)?.code).toBe('not-found');
    const type = await fhir(server, 'GET', '/Nope/1');
    expect(type.status).toBe(404);
    expect(issueOf(type)).toMatchObject({ severity: 'error', code: 'not-supported' });
    const lower = await fhir(server, 'GET', '/patient/example');
    expect(lower.status).toBe(404);
    const created = await fhir(server, 'POST', '/Observation', { body: observation() });
    const id = (created.body as { id: string }).id;
    expect((await fhir(server, 'DELETE', `/Observation/${id}`)).status).toBe(204);
    const deleted = await fhir(server, 'GET', `/Observation/${id}`);
    expect(deleted.status).toBe(410);
    expect(issueOf(deleted)?.code).toBe('deleted');
  });

  it('FHIR-6 create ignores the client id and answers 201 with Location, ETag and Last-Modified', async () => {
    const answer = await fhir(server, 'POST', '/Observation', { body: observation({ id: 'x' }) });
    expect(answer.status).toBe(201);
    const body = answer.body as { id: string; meta: { versionId: string; lastUpdated: string } };
    expect(body.id).not.toBe('x');
    expect(body.meta.versionId).toBe('1');
    expect(answer.headers.get('location')).toBe(`${server.base}/Observation/${body.id}/_history/1`);
    expect(answer.headers.get('etag')).toBe('W/"1"');
    expect(answer.headers.get('last-modified')).toBeTruthy();
    expect(body.meta.lastUpdated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('FHIR-7 refuses content that fails R4 validation with 400 and an expression', async () => {
    const wrongType = await fhir(server, 'POST', '/Observation', {
      body: { resourceType: 'Patient' },
    });
    expect(wrongType.status).toBe(400);
    const noStatus = await fhir(server, 'POST', '/Observation', {
      body: { resourceType: 'Observation', code: { text: 'x' } },
    });
    expect(noStatus.status).toBe(400);
    expect(['required', 'structure']).toContain(issueOf(noStatus)?.code);
    expect(issueOf(noStatus)?.expression).toEqual(['Observation.status']);
    const badDate = await fhir(server, 'POST', '/Patient', {
      body: { resourceType: 'Patient', birthDate: '2020-13-45' },
    });
    expect(badDate.status).toBe(400);
    expect(issueOf(badDate)?.expression).toEqual(['Patient.birthDate']);
    const unknownElement = await fhir(server, 'POST', '/Patient', {
      body: { resourceType: 'Patient', nickname: 'x' },
    });
    expect(unknownElement.status).toBe(400);
  });

  it('FHIR-8 FHIR-9 FHIR-10 FHIR-11 updates by id, versions, refuses stale If-Match, and keeps history', async () => {
    const missingId = await fhir(server, 'PUT', '/Observation/a', { body: observation() });
    expect(missingId.status).toBe(400);
    const otherId = await fhir(server, 'PUT', '/Observation/a', { body: observation({ id: 'b' }) });
    expect(otherId.status).toBe(400);

    const created = await fhir(server, 'PUT', '/Observation/a', { body: observation({ id: 'a' }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${server.base}/Observation/a/_history/1`);
    const updated = await fhir(server, 'PUT', '/Observation/a', {
      body: observation({ id: 'a', status: 'amended' }),
    });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('W/"2"');
    const read = await fhir(server, 'GET', '/Observation/a');
    expect((read.body as { meta: { versionId: string } }).meta.versionId).toBe('2');

    const stale = await fhir(server, 'PUT', '/Observation/a', {
      body: observation({ id: 'a', status: 'cancelled' }),
      headers: { 'if-match': 'W/"1"' },
    });
    expect(stale.status).toBe(412);
    expect(issueOf(stale)?.code).toBe('conflict');
    expect((await fhir(server, 'GET', '/Observation/a')).body).toMatchObject({ status: 'amended' });
    const fresh = await fhir(server, 'PUT', '/Observation/a', {
      body: observation({ id: 'a', status: 'amended', issued: '2020-05-02T00:00:00Z' }),
      headers: { 'if-match': 'W/"2"' },
    });
    expect(fresh.status).toBe(200);

    const v1 = await fhir(server, 'GET', '/Observation/a/_history/1');
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ status: 'final', meta: { versionId: '1' } });
    const history = await fhir(server, 'GET', '/Observation/a/_history');
    const bundle = history.body as {
      type: string;
      entry: { resource: { meta: { versionId: string } } }[];
    };
    expect(bundle.type).toBe('history');
    expect(bundle.entry.map((e) => e.resource.meta.versionId)).toEqual(['3', '2', '1']);
    expect((await fhir(server, 'GET', '/Observation/a/_history/9')).status).toBe(404);
  });

  it('FHIR-12 FHIR-10 applies a JSON Patch as a new version and refuses a stale If-Match', async () => {
    await fhir(server, 'PUT', '/Observation/p1', { body: observation({ id: 'p1' }) });
    const patched = await fhir(server, 'PATCH', '/Observation/p1', {
      raw: JSON.stringify([{ op: 'replace', path: '/status', value: 'amended' }]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: 'amended', meta: { versionId: '2' } });
    const stale = await fhir(server, 'PATCH', '/Observation/p1', {
      raw: JSON.stringify([{ op: 'replace', path: '/status', value: 'final' }]),
      headers: { 'content-type': 'application/json-patch+json', 'if-match': 'W/"1"' },
    });
    expect(stale.status).toBe(412);
    const asJson = await fhir(server, 'PATCH', '/Observation/p1', {
      body: [{ op: 'replace', path: '/status', value: 'final' }],
    });
    expect(asJson.status).toBe(415);
    const identity = await fhir(server, 'PATCH', '/Observation/p1', {
      raw: JSON.stringify([{ op: 'replace', path: '/id', value: 'zz' }]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(identity.status).toBe(400);
    const invalid = await fhir(server, 'PATCH', '/Observation/p1', {
      raw: JSON.stringify([{ op: 'remove', path: '/status' }]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(invalid.status).toBe(400);
    expect((await fhir(server, 'GET', '/Observation/p1')).body).toMatchObject({
      status: 'amended',
    });
  });

  it('FHIR-13 FHIR-31 deletes with 204, again 204, drops out of search, and history shows the DELETE', async () => {
    await fhir(server, 'PUT', '/Observation/d1', { body: observation({ id: 'd1' }) });
    expect((await fhir(server, 'DELETE', '/Observation/d1')).status).toBe(204);
    expect((await fhir(server, 'DELETE', '/Observation/d1')).status).toBe(204);
    expect((await fhir(server, 'DELETE', '/Observation/never-was')).status).toBe(204);
    const search = await fhir(server, 'GET', '/Observation?_id=d1');
    expect(search.body).toMatchObject({ total: 0 });
    const history = await fhir(server, 'GET', '/Observation/d1/_history');
    const entries = (history.body as { entry: Record<string, unknown>[] }).entry;
    expect(entries[0]).toMatchObject({ request: { method: 'DELETE', url: 'Observation/d1' } });
    expect(entries[0]?.resource).toBeUndefined();
    expect(entries[0]).toHaveProperty('response.status');
    expect(entries[1]).toMatchObject({
      request: { method: 'POST' },
      response: { status: '201 Created' },
    });
    expect((await fhir(server, 'GET', '/Observation/d1/_history/1')).status).toBe(200);
    expect((await fhir(server, 'GET', '/Observation/d1/_history/2')).status).toBe(410);
  });

  it('FHIR-21 conditional create: 201, then 200 with the same resource, then 412 for several matches', async () => {
    const headers = { 'if-none-exist': 'identifier=urn:t|1' };
    const body = observation({ identifier: [{ system: 'urn:t', value: '1' }] });
    const first = await fhir(server, 'POST', '/Observation', { body, headers });
    expect(first.status).toBe(201);
    const second = await fhir(server, 'POST', '/Observation', { body, headers });
    expect(second.status).toBe(200);
    expect((second.body as { id: string }).id).toBe((first.body as { id: string }).id);
    await fhir(server, 'POST', '/Observation', { body });
    const third = await fhir(server, 'POST', '/Observation', { body, headers });
    expect(third.status).toBe(412);
    expect(issueOf(third)?.code).toBe('multiple-matches');
  });

  it('FHIR-22 honours Prefer: return=minimal, representation and OperationOutcome', async () => {
    const minimal = await fhir(server, 'POST', '/Observation', {
      body: observation(),
      headers: { prefer: 'return=minimal' },
    });
    expect(minimal.status).toBe(201);
    expect(minimal.text).toBe('');
    expect(minimal.headers.get('location')).toMatch(/\/_history\/1$/);
    const outcome = await fhir(server, 'POST', '/Observation', {
      body: observation(),
      headers: { prefer: 'return=OperationOutcome' },
    });
    expect(outcome.status).toBe(201);
    expect((outcome.body as { resourceType: string }).resourceType).toBe('OperationOutcome');
    const representation = await fhir(server, 'POST', '/Observation', { body: observation() });
    expect((representation.body as { resourceType: string }).resourceType).toBe('Observation');
  });

  it('FHIR-33 answers CORS preflights and exposes the version headers', async () => {
    const preflight = await fetch(`${server.base}/Patient/example`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'authorization, if-match',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/If-Match/);
    const read = await fhir(server, 'GET', '/Patient/example', {
      headers: { origin: 'https://app.example' },
    });
    expect(read.headers.get('access-control-allow-origin')).toBe('*');
    expect(read.headers.get('access-control-expose-headers')).toMatch(/ETag/);
  });
});
