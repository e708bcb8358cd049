import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observation, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirRepository } from '../../src/fhir/repository/repository.js';
import { importFile } from '../../src/fhir/import/run.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { createTestUser, type TestUser } from '../helpers/users.js';

/** How references inside an input are resolved, in process against a real database. */
let server: TestServer;
let dir: string;
let owner: TestUser;
let repo: FhirRepository;

beforeAll(async () => {
  server = await startKardia();
  dir = mkdtempSync(join(tmpdir(), 'kardia-refs-'));
  owner = await createTestUser(server);
  repo = new FhirRepository(server.kardia.store, server.kardia.urls.fhir);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await server.close();
});

const observation = (subject: string, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'weight' },
  subject: { reference: subject },
  ...extra,
});

async function load(name: string, content: object) {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(content));
  const summary = await importFile(server.kardia, file, { ownerSub: owner.sub });
  const stored = await repo.search('Observation', [['patient', summary.patients[0] as string]]);
  return { summary, observations: stored.matches as Observation[] };
}

describe('references inside an import', () => {
  it('FHIR-32 a collection with absolute full URLs: absolute, relative and versioned references resolve', async () => {
    const base = 'http://other.example/fhir';
    const { summary, observations } = await load('collection.json', {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: `${base}/Patient/1`, resource: { resourceType: 'Patient', id: '1' } },
        { fullUrl: `${base}/Observation/a`, resource: observation('Patient/1') },
        { resource: observation(`${base}/Patient/1`) },
        { resource: observation('Patient/1/_history/2') },
        {
          resource: observation('Patient/1', {
            performer: [{ reference: 'Practitioner/elsewhere' }],
            hasMember: [{ reference: 'Observation/a' }],
          }),
        },
      ],
    });
    const patient = summary.patients[0];
    expect(patient).not.toBe('1');
    expect(observations).toHaveLength(4);
    for (const o of observations) expect(o.subject?.reference).toBe(`Patient/${patient}`);
    const grouping = observations.find((o) => o.hasMember);
    // A reference to something outside the input is kept as written.
    expect(grouping?.performer?.[0]?.reference).toBe('Practitioner/elsewhere');
    const member = grouping?.hasMember?.[0]?.reference ?? '';
    expect(member).toMatch(/^Observation\/[0-9a-f-]{36}$/);
    expect(observations.map((o) => `Observation/${o.id}`)).toContain(member);
  });

  it('FHIR-32 a transaction with PUT entries and urn:uuid in narrative and uri elements', async () => {
    const urn = 'urn:uuid:7c1d3c1e-5a55-4e5f-9d35-4f1f6a1f0c11';
    const { summary, observations } = await load('transaction.json', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: urn,
          resource: { resourceType: 'Patient', id: 'p', active: true },
          request: { method: 'PUT', url: 'Patient/p' },
        },
        {
          resource: observation(urn, {
            text: {
              status: 'generated',
              div: `<div xmlns="http://www.w3.org/1999/xhtml">${urn}</div>`,
            },
            focus: [{ reference: 'Patient/p' }],
          }),
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    const patient = summary.patients[0];
    const [stored] = observations as [Observation];
    expect(stored.subject?.reference).toBe(`Patient/${patient}`);
    expect(stored.focus?.[0]?.reference).toBe(`Patient/${patient}`);
    expect(stored.text?.div).toContain(`Patient/${patient}`);
    expect(JSON.stringify(stored)).not.toContain('urn:uuid');
    const read = await repo.read('Patient', patient as string);
    expect((JSON.parse(read.json ?? '{}') as Resource).id).toBe(patient);
  });

  it('refuses a urn:uuid reference that names nothing in the input, before writing', async () => {
    const file = join(dir, 'dangling.json');
    writeFileSync(
      file,
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: 'urn:uuid:1',
            resource: { resourceType: 'Patient' },
            request: { method: 'POST', url: 'Patient' },
          },
          { resource: observation('urn:uuid:2'), request: { method: 'POST', url: 'Observation' } },
        ],
      }),
    );
    await expect(importFile(server.kardia, file, { ownerSub: owner.sub })).rejects.toThrow(
      /^entry 1: reference urn:uuid:2 names nothing in the input$/,
    );
  });
});
