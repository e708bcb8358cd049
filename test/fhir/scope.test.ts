import type { Bundle, Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  FhirAccessControl,
  FhirAuditEvent,
  FhirCaller,
  RecordScope,
} from '../../src/fhir/access-port.js';
import { fhirRouterOf } from '../../src/fhir/feature.js';
import { FhirError } from '../../src/fhir/outcome.js';
import { type FhirServer, fhir, loadFixtures, startFhir } from './helpers.js';

/**
 * The FHIR core's side of the access port: a RecordScope handed back by authorize() is applied
 * inside the queries. The port is implemented here by a table of test callers keyed by a bearer
 * value; src/access has its own tests of real tokens.
 */
const TABOO = 'http://terminology.hl7.org/CodeSystem/v3-ActCode|TBOO';
const scopes: Record<string, { read: RecordScope; write: RecordScope }> = {
  example: {
    read: { types: '*', patients: ['example'], deniedLabels: [TABOO] },
    write: { types: '*', patients: ['example'], deniedLabels: [TABOO] },
  },
  observations: {
    read: { types: new Set(['Observation']), patients: '*', deniedLabels: [] },
    write: { types: new Set(), patients: [], deniedLabels: [] },
  },
};

const audit: FhirAuditEvent[] = [];
const control: FhirAccessControl = {
  async authorize(credentials): Promise<FhirCaller> {
    const name = credentials.authorization?.replace(/^Bearer /, '') ?? '';
    const scope = scopes[name];
    if (!scope) throw new FhirError('unauthorized', 'login', 'no such test caller');
    return { ...scope, audit: { sub: name } };
  },
  async audit(event) {
    audit.push(event);
  },
};

let server: FhirServer;
beforeAll(async () => {
  server = await startFhir();
  await loadFixtures(server);
  await fhir(server, 'PUT', '/Condition/taboo', {
    body: {
      resourceType: 'Condition',
      id: 'taboo',
      meta: {
        security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'TBOO' }],
      },
      subject: { reference: 'Patient/example' },
      code: { text: 'taboo' },
    },
  });
  await fhir(server, 'PUT', '/Condition/plain', {
    body: {
      resourceType: 'Condition',
      id: 'plain',
      subject: { reference: 'Patient/example' },
      code: { text: 'plain' },
    },
  });
  fhirRouterOf(server.kardia)?.setAccessControl(control);
});
afterAll(() => server.close());

const as = (caller: string) => ({ authorization: `Bearer ${caller}` });
const ids = (bundle: Bundle) =>
  (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id);

describe('FHIR record scope from the access port', () => {
  it('FHIR-34 narrows searches to the granted compartment, in totals and pages too', async () => {
    const other = await fhir<Bundle>(server, 'GET', '/Observation?patient=f001', {
      headers: as('example'),
    });
    expect(other.status).toBe(200);
    expect(other.body.total).toBe(0);
    const all = await fhir<Bundle>(server, 'GET', '/Observation?_count=10', {
      headers: as('example'),
    });
    expect(all.body.total).toBe(30);
    const compartment = await fhir<Bundle>(server, 'GET', '/Patient/f001/Observation', {
      headers: as('example'),
    });
    expect(compartment.body.total).toBe(0);
    const patients = await fhir<Bundle>(server, 'GET', '/Patient', { headers: as('example') });
    expect(ids(patients.body)).toEqual(['example']);
  });

  it('FHIR-34 reads outside the reach as not found and refuses writes that leave it', async () => {
    const f001 = await fhir<Bundle>(server, 'GET', '/Observation?patient=f001&_count=1', {
      headers: as('observations'),
    });
    const id = (f001.body.entry?.[0]?.resource as Observation).id;
    expect(
      (await fhir(server, 'GET', `/Observation/${id}`, { headers: as('example') })).status,
    ).toBe(404);
    expect((await fhir(server, 'GET', '/Patient/f001', { headers: as('example') })).status).toBe(
      404,
    );
    const write = await fhir(server, 'POST', '/Observation', {
      headers: as('example'),
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        subject: { reference: 'Patient/f001' },
      },
    });
    expect(write.status).toBe(403);
    const move = await fhir(server, 'PUT', `/Observation/${id}`, {
      headers: as('example'),
      body: {
        resourceType: 'Observation',
        id,
        status: 'final',
        code: { text: 'x' },
        subject: { reference: 'Patient/example' },
      },
    });
    expect(move.status).toBe(403);
    const inside = await fhir(server, 'POST', '/Observation', {
      headers: as('example'),
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        subject: { reference: 'Patient/example' },
      },
    });
    expect(inside.status).toBe(201);
    const shared = await fhir(server, 'POST', '/Medication', {
      headers: as('example'),
      body: { resourceType: 'Medication', code: { text: 'aspirin' } },
    });
    expect(shared.status).toBe(403);
  });

  it('hides resources with a denied security label from search, totals and reads', async () => {
    const conditions = await fhir<Bundle>(server, 'GET', '/Condition?patient=example', {
      headers: as('example'),
    });
    expect(ids(conditions.body)).toEqual(['plain']);
    expect(conditions.body.total).toBe(1);
    expect((await fhir(server, 'GET', '/Condition/taboo', { headers: as('example') })).status).toBe(
      404,
    );
    expect(
      (await fhir(server, 'GET', '/Condition/taboo/_history/1', { headers: as('example') })).status,
    ).toBe(404);
  });

  it('FHIR-29 includes only what the caller may see', async () => {
    const page = await fhir<Bundle>(
      server,
      'GET',
      '/Observation?patient=example&_count=5&_include=Observation:patient',
      {
        headers: as('observations'),
      },
    );
    expect(page.status).toBe(200);
    expect((page.body.entry ?? []).filter((e) => e.search?.mode === 'include')).toHaveLength(0);
    const rev = await fhir<Bundle>(
      server,
      'GET',
      '/Patient?_id=example&_revinclude=Condition:patient',
      {
        headers: as('example'),
      },
    );
    const included = (rev.body.entry ?? [])
      .filter((e) => e.search?.mode === 'include')
      .map((e) => e.resource?.id);
    expect(included).toEqual(['plain']);
  });

  it('FHIR-30 FHIR-21 binds paging cursors to the caller and matches conditional creates only in reach', async () => {
    const page = await fhir<Bundle>(server, 'GET', '/Observation?_count=5', {
      headers: as('example'),
    });
    const next = page.body.link?.find((l) => l.relation === 'next')?.url ?? '';
    expect((await fhir(server, 'GET', next, { headers: as('example') })).status).toBe(200);
    expect((await fhir(server, 'GET', next, { headers: as('observations') })).status).toBe(400);
    const conditional = await fhir(server, 'POST', '/Patient', {
      headers: { ...as('example'), 'if-none-exist': 'identifier=urn:kardia:test|mrn-f001' },
      body: {
        resourceType: 'Patient',
        identifier: [{ system: 'urn:kardia:test', value: 'mrn-f001' }],
      },
    });
    // f001 is out of reach: no match is seen, so this is a create, refused as outside the reach.
    expect(conditional.status).toBe(403);
  });

  it('authorizes each transaction entry and audits every interaction, allowed or refused', async () => {
    audit.length = 0;
    await fhir(server, 'GET', '/Patient/example', { headers: as('example') });
    await fhir(server, 'GET', '/Patient/example', { headers: as('nobody') });
    const tx = await fhir(server, 'POST', '', {
      headers: as('observations'),
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'GET', url: 'Observation?patient=example' } },
          { request: { method: 'GET', url: 'Observation?code=8867-4' } },
        ],
      },
    });
    expect(tx.status).toBe(200);
    expect(audit[0]).toMatchObject({
      outcome: 'allowed',
      status: 200,
      resources: ['Patient/example'],
    });
    expect(audit[1]).toMatchObject({ outcome: 'refused', status: 401 });
    expect(audit.some((e) => e.interaction.kind === 'transaction')).toBe(true);
    expect(audit.filter((e) => e.interaction.kind === 'search-type')).toHaveLength(2);
    const refused = await fhir(server, 'POST', '', {
      headers: as('observations'),
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'GET', url: 'Patient/example' } }],
      },
    });
    expect(refused.status).toBe(404);
  });
});
