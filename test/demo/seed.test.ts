import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPassword } from '../../src/account/users.js';
import { loadSettings } from '../../src/config/settings.js';
import { DEMO_ACCOUNTS } from '../../src/demo/accounts.js';
import { demoEnabled, seedDemo } from '../../src/demo/seed.js';
import { signWithAsKey } from '../access/helpers.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort, startKardia, type TestServer } from '../helpers/server.js';
import { createTestUser } from '../helpers/users.js';

/**
 * `kardia serve` on an empty database with the demo on: the accounts are made and printed, and
 * Alice's record is there to read through the FHIR API. Run as its own process, like `npm start`.
 */
const root = new URL('../..', import.meta.url).pathname;

interface Served {
  child: ChildProcess;
  stdout: string;
  stderr: string;
}

async function serve(database: TestDatabase, port: number): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: root,
    env: {
      ...process.env,
      KARDIA_DEMO: 'true',
      KARDIA_DATABASE_URL: database.url,
      KARDIA_PORT: String(port),
      KARDIA_ISSUER: `http://localhost:${port}`,
      KARDIA_LOG_LEVEL: 'info',
    },
  });
  const served: Served = { child, stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (served.stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (served.stderr += chunk.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (served.stderr.includes('Log in at')) {
        clearInterval(timer);
        resolve();
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`kardia serve exited with ${code}: ${served.stderr}`));
    });
  });
  return served;
}

async function stop(served: Served): Promise<void> {
  if (served.child.exitCode !== null) return;
  const exited = new Promise((resolve) => served.child.once('exit', resolve));
  served.child.kill('SIGTERM');
  await exited;
}

let database: TestDatabase;
let port: number;
let first: Served;
let second: Served;
let server: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  port = await freePort();
  first = await serve(database, port);
  await stop(first);
  second = await serve(database, port);
  await stop(second);
  // A server of the test's own on the same database, to read what the demo left there.
  server = await startKardia({}, { database });
}, 240_000);
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

describe('the demo at kardia serve', { timeout: 60_000 }, () => {
  it('prints the demo accounts and their passwords with a warning, never in the log', () => {
    for (const account of DEMO_ACCOUNTS) {
      expect(first.stderr).toContain(`${account.username.padEnd(6)} password ${account.password}`);
      expect(first.stdout).not.toContain(account.password);
    }
    expect(first.stderr).toContain('DEMO ACCOUNTS: well-known passwords');
    expect(first.stderr).toMatch(/Seeded just now: \d+ FHIR resources/);
    expect(first.stderr).toContain(`Log in at http://localhost:${port}/account`);
    expect(first.stdout).toContain('demo accounts with well-known passwords are active');
    expect(first.stdout).not.toContain('demo step failed');
  });

  it('makes accounts whose printed passwords work', async () => {
    for (const account of DEMO_ACCOUNTS) {
      const user = await checkPassword(server.kardia, account.username, account.password);
      expect(user?.username, account.username).toBe(account.username);
    }
  });

  it('FHIR-32 gives alice a populated record, readable through the FHIR API', async () => {
    const alice = await checkPassword(server.kardia, 'alice', 'alice-demo');
    const owned = await server.kardia.store.db
      .selectFrom('fhir_patient_owners')
      .select('patient_id')
      .where('owner_sub', '=', alice?.sub ?? '')
      .execute();
    expect(owned).toHaveLength(1);
    const patientId = owned[0]?.patient_id;
    const token = await signWithAsKey(server, {
      sub: alice?.sub,
      aud: `${server.url}/fhir`,
      scope: 'user/*.read conf/V sens/PSY sens/ETH sens/HIV sens/SDV',
    });
    const get = async (path: string) => {
      const response = await fetch(`${server.url}/fhir/${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, path).toBe(200);
      return (await response.json()) as { total?: number; name?: { given?: string[] }[] };
    };
    expect((await get(`Patient/${patientId}`)).name?.[0]?.given).toEqual(['Alice']);
    for (const [type, least] of [
      ['Observation', 300],
      ['Condition', 5],
      ['MedicationRequest', 10],
      ['Immunization', 5],
      ['Encounter', 20],
      ['AllergyIntolerance', 2],
      ['DocumentReference', 3],
    ] as const) {
      const found = await get(`${type}?patient=${patientId}&_summary=count`);
      expect(found.total, type).toBeGreaterThanOrEqual(least);
    }
  });

  it('UMA-RS-1 connects alice’s record to UMA, with one share with bob and carol’s request pending', async () => {
    const alice = await checkPassword(server.kardia, 'alice', 'alice-demo');
    const db = server.kardia.store.db;
    const link = await db.selectFrom('rs_uma_links').select('owner_sub').execute();
    expect(link.map((l) => l.owner_sub)).toEqual([alice?.sub]);
    const policies = await db
      .selectFrom('uma_policies')
      .select(['mode', 'required_claims'])
      .where('owner_sub', '=', alice?.sub ?? '')
      .execute();
    expect(policies.map((p) => p.mode).sort()).toEqual(['ask', 'grant']);
    const share = policies.find((p) => p.mode === 'grant');
    expect(share?.required_claims).toContain('bob@example.org');
    const requests = await db
      .selectFrom('uma_access_requests')
      .select(['status', 'rqp_claims'])
      .where('owner_sub', '=', alice?.sub ?? '')
      .execute();
    expect(requests).toHaveLength(1);
    expect(requests[0]?.status).toBe('pending');
    expect(requests[0]?.rqp_claims).toContain('carol@example.org');
    // Bob's app read through the share, an RPT the AS issued.
    const rpts = await db.selectFrom('tokens').select('jti').where('kind', '=', 'rpt').execute();
    expect(rpts).toHaveLength(1);
  });

  it('seeds once: a second start finds the demo and only prints it again', async () => {
    expect(second.stderr).toContain('Seeded at an earlier start.');
    const users = await server.kardia.store.db.selectFrom('users').select('username').execute();
    expect(users.map((u) => u.username).sort()).toEqual(['alice', 'bob', 'carol']);
    const patients = await server.kardia.store.db
      .selectFrom('fhir_patient_owners')
      .select('patient_id')
      .execute();
    expect(patients).toHaveLength(1);
  });

  it('never touches a database that has accounts of its own', async () => {
    const other = await startKardia({ demo: true });
    try {
      await createTestUser(other);
      const outcome = await seedDemo(other.kardia);
      expect(outcome).toMatchObject({ status: 'skipped', accounts: [] });
      const users = await other.kardia.store.db.selectFrom('users').select('username').execute();
      expect(users).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('is on by default for the embedded default database only, and KARDIA_DEMO decides', () => {
    expect(demoEnabled(loadSettings({}, {}))).toBe(true);
    expect(demoEnabled(loadSettings({ databaseUrl: 'sqlite:./elsewhere.db' }, {}))).toBe(false);
    expect(demoEnabled(loadSettings({ databaseUrl: 'postgres://db/kardia' }, {}))).toBe(false);
    expect(demoEnabled(loadSettings({}, { KARDIA_DEMO: 'false' }))).toBe(false);
    expect(
      demoEnabled(loadSettings({}, { KARDIA_DATABASE_URL: 'postgres://x/y', KARDIA_DEMO: '1' })),
    ).toBe(true);
  });
});
