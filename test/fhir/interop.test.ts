import { Client } from 'fhir-kit-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FhirServer, loadFixtures, startFhir } from './helpers.js';

/** fhir-kit-client shares no code with Kardia: it judges the open router's REST interface. */
let server: FhirServer;
let client: Client;
beforeAll(async () => {
  server = await startFhir();
  await loadFixtures(server);
  client = new Client({ baseUrl: server.base });
});
afterAll(() => server.close());

type Any = Record<string, unknown> & {
  resourceType: string;
  id?: string;
  entry?: { resource: Any }[];
  total?: number;
};

describe('FHIR interop with fhir-kit-client', () => {
  it('FHIR-1 FHIR-4 FHIR-6 FHIR-9 FHIR-11 FHIR-12 FHIR-13 FHIR-16 FHIR-19 drives every interaction an independent client uses', async () => {
    const capability = (await client.capabilityStatement()) as Any;
    expect(capability.fhirVersion).toBe('4.0.1');

    const created = (await client.create({
      resourceType: 'Observation',
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'interop' },
        subject: { reference: 'Patient/example' },
      },
    })) as Any;
    const id = created.id as string;
    expect((await client.read({ resourceType: 'Observation', id })) as Any).toMatchObject({ id });
    const updated = (await client.update({
      resourceType: 'Observation',
      id,
      body: { ...created, status: 'amended' },
    })) as Any;
    expect(updated).toMatchObject({ status: 'amended', meta: { versionId: '2' } });
    const patched = (await client.patch({
      resourceType: 'Observation',
      id,
      jsonPatch: [{ op: 'replace', path: '/status', value: 'corrected' }],
    })) as Any;
    expect(patched).toMatchObject({ status: 'corrected', meta: { versionId: '3' } });
    const v1 = (await client.vread({ resourceType: 'Observation', id, version: '1' })) as Any;
    expect(v1).toMatchObject({ status: 'final' });
    const history = (await client.history({ resourceType: 'Observation', id })) as Any;
    expect(history.total).toBe(3);

    let page = (await client.search({
      resourceType: 'Observation',
      searchParams: { patient: 'example', _count: '7' },
    })) as Any;
    const seen = new Set<string>();
    while (page) {
      for (const entry of page.entry ?? []) seen.add(entry.resource.id as string);
      page = (await client.nextPage({ bundle: page as never })) as Any;
    }
    expect(seen.size).toBe(31);
    const compartment = (await client.compartmentSearch({
      resourceType: 'Observation',
      compartment: { resourceType: 'Patient', id: 'example' },
      searchParams: { _summary: 'count' },
    })) as Any;
    expect(compartment.total).toBe(31);

    const tx = (await client.transaction({
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'DELETE', url: `Observation/${id}` } }],
      },
    })) as Any;
    expect(tx).toMatchObject({ type: 'transaction-response' });
    await expect(client.read({ resourceType: 'Observation', id })).rejects.toMatchObject({
      response: { status: 410 },
    });
  });
});
