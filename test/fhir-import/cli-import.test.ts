import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, DiagnosticReport, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoRecord } from '../../src/fhir/demo/generate.js';
import { bundleToNdjson } from '../../src/fhir/demo/ndjson.js';
import type { ImportSummary } from '../../src/fhir/import/import.js';
import { signWithAsKey } from '../access/helpers.js';
import { runCli } from '../helpers/cli.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { createTestUser, type TestUser } from '../helpers/users.js';

/**
 * `kardia fhir import` run as its own process against the test server's database, then read
 * back through the FHIR HTTP API with real tokens signed by the AS.
 */
let server: TestServer;
let dir: string;
let alice: TestUser;
let bob: TestUser;
const ALL_LABELS = 'conf/V sens/PSY sens/ETH sens/HIV sens/SDV';
/** Each test spawns the CLI (tsx and the R4 definitions load in every process). */
const SPAWNS = { timeout: 120_000 };

beforeAll(async () => {
  server = await startKardia();
  dir = mkdtempSync(join(tmpdir(), 'kardia-import-'));
  alice = await createTestUser(server);
  bob = await createTestUser(server);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await server.close();
});

const importFile = (file: string, owner: string, ...extra: string[]) =>
  runCli(['fhir', 'import', file, '--owner', owner, ...extra], {
    KARDIA_DATABASE_URL: server.database.url,
    KARDIA_ISSUER: server.url,
  });

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const countTypes = (resources: Resource[]) =>
  resources.reduce<Record<string, number>>((counts, r) => {
    counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
    return counts;
  }, {});

async function storedCount(): Promise<number> {
  const row = await server.kardia.store.db
    .selectFrom('fhir_resources')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** GET on the FHIR API as `user`, with `user/*.read` and the given extra scopes. */
async function fhirGet(user: TestUser, path: string, extraScopes = ALL_LABELS) {
  const token = await signWithAsKey(server, {
    sub: user.sub,
    aud: `${server.url}/fhir`,
    scope: `user/*.read ${extraScopes}`.trim(),
  });
  const response = await fetch(`${server.url}/fhir/${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const total = async (user: TestUser, query: string, scopes?: string) =>
  (await fhirGet(user, `${query}&_summary=count`, scopes)).body.total;

describe('kardia fhir import', SPAWNS, () => {
  let patientId: string;
  const bundle = generateDemoRecord({ seed: 'import-bundle', asOf: '2025-06-30', years: 3 });
  const resources = (bundle.entry ?? []).map((e) => e.resource as Resource);

  it('FHIR-32 loads a transaction Bundle whole, rewriting urn:uuid references, owned by the account', async () => {
    const before = await storedCount();
    const result = await importFile(
      write('demo.json', JSON.stringify(bundle)),
      alice.username,
      '--json',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as ImportSummary;
    expect(summary.format).toBe('bundle');
    expect(summary.resources).toBe(resources.length);
    expect(summary.byType).toEqual(countTypes(resources));
    expect(summary.rate).toBeGreaterThan(0);
    expect(summary.patients).toHaveLength(1);
    patientId = summary.patients[0] as string;
    expect(await storedCount()).toBe(before + resources.length);

    const owner = await server.kardia.store.db
      .selectFrom('fhir_patient_owners')
      .select('owner_sub')
      .where('patient_id', '=', patientId)
      .executeTakeFirst();
    expect(owner?.owner_sub).toBe(alice.sub);

    const patient = await fhirGet(alice, `Patient/${patientId}`);
    expect(patient.status).toBe(200);
    expect(patient.body.name).toEqual([
      { use: 'official', family: expect.any(String), given: expect.any(Array) },
    ]);
    const observations = resources.filter((r) => r.resourceType === 'Observation').length;
    expect(await total(alice, `Observation?patient=${patientId}`)).toBe(observations);
    expect(await total(alice, `Encounter?subject=Patient/${patientId}`)).toBe(
      countTypes(resources).Encounter,
    );
  });

  it('FHIR-32 resolves references inside the input: reports point at the imported results', async () => {
    const search = await fhirGet(alice, `DiagnosticReport?patient=${patientId}&_count=3`);
    expect(search.status).toBe(200);
    const reports = ((search.body as unknown as Bundle).entry ?? []).map(
      (e) => e.resource as DiagnosticReport,
    );
    expect(reports.length).toBe(3);
    for (const report of reports) {
      expect(report.subject?.reference).toBe(`Patient/${patientId}`);
      for (const result of report.result ?? []) {
        expect(result.reference).toMatch(/^Observation\/[0-9a-f-]{36}$/);
        const read = await fhirGet(alice, result.reference as string);
        expect(read.status).toBe(200);
        expect((read.body.subject as { reference: string }).reference).toBe(`Patient/${patientId}`);
      }
    }
    expect(JSON.stringify(reports)).not.toContain('urn:uuid');
  });

  it('HFO-12 HFO-13 the labelled demo data is withheld from a token without conf/ and sens/ scopes', async () => {
    const labelled = resources.filter(
      (r) => r.resourceType === 'Condition' && r.meta?.security?.length,
    ).length;
    const conditions = resources.filter((r) => r.resourceType === 'Condition').length;
    expect(labelled).toBeGreaterThan(0);
    expect(await total(alice, `Condition?patient=${patientId}`)).toBe(conditions);
    expect(await total(alice, `Condition?patient=${patientId}`, '')).toBe(conditions - labelled);
  });

  it('loads NDJSON, resolving relative Type/id references to the new ids', async () => {
    const record = generateDemoRecord({ seed: 'import-ndjson', asOf: '2025-06-30', years: 2 });
    const lines = bundleToNdjson(record);
    const result = await importFile(write('demo.ndjson', lines), bob.username, '--json');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as ImportSummary;
    expect(summary.format).toBe('ndjson');
    expect(summary.resources).toBe(record.entry?.length);
    const [patient] = summary.patients;
    // New ids: the file's own ids are not reused, so an import never overwrites anything.
    expect(lines).not.toContain(patient);
    const observations = record.entry?.filter((e) => e.resource?.resourceType === 'Observation');
    expect(await total(bob, `Observation?patient=${patient}`)).toBe(observations?.length);
    // Alice's token does not reach Bob's record.
    expect(await total(alice, `Observation?patient=${patient}`)).toBe(0);
  });

  it('refuses an invalid file with one line naming the entry, exit 1, and writes nothing', async () => {
    const entries = (bundle.entry ?? []).slice(0, 6).map((e) => structuredClone(e));
    delete (entries[4]?.resource as { status?: string }).status;
    const before = await storedCount();
    const result = await importFile(
      write('bad.json', JSON.stringify({ ...bundle, entry: entries })),
      alice.username,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^kardia: import failed: entry 4: .*status/);
    expect(await storedCount()).toBe(before);
  });

  it('a batch that fails leaves none of its resources; earlier batches stay and are counted', async () => {
    // Line 3 points into Alice's record, which Bob's import may not touch (422 in the core).
    const observation = (subject: string) =>
      JSON.stringify({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'note' },
        subject: { reference: subject },
      });
    const text = [
      JSON.stringify({ resourceType: 'Patient', id: 'p1' }),
      observation('Patient/p1'),
      observation(`Patient/${patientId}`),
      observation('Patient/p1'),
    ].join('\n');
    const before = await storedCount();
    const result = await importFile(write('mixed.ndjson', text), bob.username, '--batch-size', '2');
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/line 3: .*another account.*2 resources of earlier batches/);
    expect(await storedCount()).toBe(before + 2);
    const observations = resources.filter((r) => r.resourceType === 'Observation').length;
    expect(await total(alice, `Observation?patient=${patientId}`)).toBe(observations);
  });

  it('refuses an unknown owner, a missing file and a DELETE entry with one line each', async () => {
    const deleting = write(
      'delete.json',
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          {
            request: { method: 'DELETE', url: 'Patient/x' },
            resource: { resourceType: 'Patient' },
          },
        ],
      }),
    );
    const cases: [string, string, RegExp][] = [
      [deleting, 'nobody-here', /no account named nobody-here/],
      [join(dir, 'missing.json'), alice.username, /no such file/],
      [deleting, alice.username, /entry 0: DELETE entries cannot be imported/],
    ];
    for (const [file, owner, message] of cases) {
      const result = await importFile(file, owner);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
  });
});
