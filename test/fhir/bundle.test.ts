import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirRepository } from '../../src/fhir/repository/repository.js';
import { type FhirServer, fhir, issueOf, startFhir } from './helpers.js';

let server: FhirServer;
beforeAll(async () => {
  server = await startFhir();
});
afterAll(() => server.close());

const count = async (query: string) =>
  ((await fhir<Bundle>(server, 'GET', query)).body.total ?? -1) as number;

describe('FHIR batch and transaction', () => {
  it('FHIR-32 stores a transaction and rewrites urn:uuid references', async () => {
    const answer = await fhir<Bundle>(server, 'POST', '', {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a',
            resource: { resourceType: 'Patient', name: [{ family: 'Tx' }] },
            request: { method: 'POST', url: 'Patient' },
          },
          {
            fullUrl: 'urn:uuid:88f151c0-a954-468a-88bd-5ae15c08e059',
            resource: {
              resourceType: 'Observation',
              status: 'final',
              code: { text: 'tx' },
              subject: { reference: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a' },
            },
            request: { method: 'POST', url: 'Observation' },
          },
        ],
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.type).toBe('transaction-response');
    const [patient, observation] = answer.body.entry ?? [];
    expect(patient?.response?.status).toBe('201 Created');
    expect(patient?.response?.location).toMatch(/^Patient\/[^/]+\/_history\/1$/);
    expect(patient?.response?.etag).toBe('W/"1"');
    const patientId = patient?.response?.location?.split('/')[1];
    const read = await fhir(
      server,
      'GET',
      `/${observation?.response?.location?.split('/_history')[0]}`,
    );
    expect(read.body).toMatchObject({ subject: { reference: `Patient/${patientId}` } });
    expect(await count(`/Observation?patient=${patientId}`)).toBe(1);
  });

  it('FHIR-32 leaves nothing behind when one entry of a transaction fails', async () => {
    const answer = await fhir(server, 'POST', '', {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { resourceType: 'Patient', id: 'atomic', name: [{ family: 'Atomic' }] },
            request: { method: 'PUT', url: 'Patient/atomic' },
          },
          {
            resource: {
              resourceType: 'Observation',
              status: 'final',
              code: { text: 'kept?' },
              subject: { reference: 'Patient/atomic' },
            },
            request: { method: 'POST', url: 'Observation' },
          },
          {
            resource: { resourceType: 'Observation', code: { text: 'no status' } },
            request: { method: 'POST', url: 'Observation' },
          },
        ],
      },
    });
    expect(answer.status).toBe(400);
    expect(issueOf(answer)?.code).toMatch(/required|structure/);
    expect((await fhir(server, 'GET', '/Patient/atomic')).status).toBe(404);
    expect(await count('/Observation?patient=atomic')).toBe(0);
    expect(await count('/Patient?family=atomic')).toBe(0);
  });

  it('FHIR-32 runs deletes before creates and updates, and answers in entry order', async () => {
    await fhir(server, 'PUT', '/Patient/order', { body: { resourceType: 'Patient', id: 'order' } });
    const answer = await fhir<Bundle>(server, 'POST', '', {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'GET', url: 'Patient/order' } },
          {
            resource: { resourceType: 'Patient', id: 'order2', active: true },
            request: { method: 'PUT', url: 'Patient/order2' },
          },
          { request: { method: 'DELETE', url: 'Patient/order' } },
        ],
      },
    });
    // The delete ran before the read, so the read found a deletion and the whole transaction
    // failed: nothing it did remains.
    expect(answer.status).toBe(410);
    expect((await fhir(server, 'GET', '/Patient/order')).status).toBe(200);
    expect((await fhir(server, 'GET', '/Patient/order2')).status).toBe(404);
  });

  it('runs batch entries on their own, each with its status', async () => {
    const answer = await fhir<Bundle>(server, 'POST', '', {
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          {
            resource: { resourceType: 'Patient', id: 'batch1' },
            request: { method: 'PUT', url: 'Patient/batch1' },
          },
          {
            resource: { resourceType: 'Observation' },
            request: { method: 'POST', url: 'Observation' },
          },
          { request: { method: 'GET', url: 'Patient/batch1' } },
          { request: { method: 'GET', url: 'Patient?_id=batch1' } },
          { request: { method: 'GET', url: 'Nope/1' } },
        ],
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.type).toBe('batch-response');
    const statuses = (answer.body.entry ?? []).map((e) => e.response?.status?.slice(0, 3));
    expect(statuses).toEqual(['201', '400', '200', '200', '404']);
    expect(answer.body.entry?.[1]?.response?.outcome).toMatchObject({
      resourceType: 'OperationOutcome',
    });
    expect(answer.body.entry?.[3]?.resource).toMatchObject({ type: 'searchset', total: 1 });
  });

  it('refuses malformed bundles with an OperationOutcome and never a 5xx', async () => {
    const cases: unknown[] = [
      { resourceType: 'Patient' },
      { resourceType: 'Bundle', type: 'collection' },
      { resourceType: 'Bundle', type: 'transaction', entry: 'x' },
      { resourceType: 'Bundle', type: 'transaction', entry: [{}] },
      { resourceType: 'Bundle', type: 'transaction', entry: [null] },
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'FROB', url: 'Patient' } }],
      },
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'POST', url: 'Patient/1/2/3/4' } }],
      },
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'POST', url: 'Patient' } }],
      },
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { resourceType: 'Observation' },
            request: { method: 'POST', url: 'Patient' },
          },
        ],
      },
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { resourceType: 'Patient', id: 'twice' },
            request: { method: 'PUT', url: 'Patient/twice' },
          },
          {
            resource: { resourceType: 'Patient', id: 'twice' },
            request: { method: 'PUT', url: 'Patient/twice' },
          },
        ],
      },
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'PATCH', url: 'Patient/x' }, resource: { resourceType: 'Binary' } },
        ],
      },
    ];
    for (const body of cases) {
      const answer = await fhir(server, 'POST', '', { body });
      expect(answer.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(answer.status, JSON.stringify(body)).toBeLessThan(500);
      expect((answer.body as { resourceType: string }).resourceType).toBe('OperationOutcome');
    }
    const notJson = await fhir(server, 'POST', '', {
      raw: '{',
      headers: { 'content-type': 'application/fhir+json' },
    });
    expect(notJson.status).toBe(400);
    expect(issueOf(notJson)?.code).toBe('structure');
  });

  it('gives the import command transactions with an owner that claim the compartments', async () => {
    const repo = new FhirRepository(server.kardia.store, server.base);
    await repo.transaction(
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: 'urn:uuid:7e1c0d55-8a4b-4d83-9d7b-3f8b1c7c2a10',
            resource: { resourceType: 'Patient', name: [{ family: 'Owned' }] },
            request: { method: 'POST', url: 'Patient' },
          },
          {
            resource: {
              resourceType: 'Condition',
              subject: { reference: 'urn:uuid:7e1c0d55-8a4b-4d83-9d7b-3f8b1c7c2a10' },
              code: { text: 'owned' },
            },
            request: { method: 'POST', url: 'Condition' },
          },
        ],
      },
      { owner: 'sub-alice' },
    );
    const owned = await repo.patientsOwnedBy('sub-alice');
    expect(owned).toHaveLength(1);
    expect(await repo.patientOwner(owned[0] as string)).toBe('sub-alice');
    const intruder = repo.create(
      {
        resourceType: 'Condition',
        subject: { reference: `Patient/${owned[0]}` },
        code: { text: 'x' },
      },
      { owner: 'sub-mallory' },
    );
    await expect(intruder).rejects.toMatchObject({ status: 422 });
    expect(await count(`/Condition?patient=${owned[0]}`)).toBe(1);
  });
});
