/**
 * `npm run bench`: Kardia's hot paths side by side with a minimal node:http server doing the
 * same cryptography with no framework and no storage (bench/minimal-server.ts), in one run on
 * this machine. Prints requests/second and the ratio to the baseline, against DESIGN.md's targets.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { exportJWK, generateKeyPair } from 'jose';
import { runLoad, type LoadRequest, type LoadResult } from './load.js';
import { MEMORY_TARGET_MB, measureMemory } from './memory.js';
import {
  addBenchClient,
  forkScript,
  kardiaCli,
  nodeScript,
  presign,
  startKardiaProcess,
  startMinimalServer,
} from './processes.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const UMA_TICKET_GRANT = 'urn:ietf:params:oauth:grant-type:uma-ticket';
const ID_TOKEN_FORMAT = 'http://openid.net/specs/openid-connect-core-1_0.html#IDToken';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const SECONDS = 30;

interface Row {
  path: string;
  kardia: number;
  baseline: number;
  target: number;
  note?: string;
}

const rows: Row[] = [];
const children: ChildProcess[] = [];

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'kardia-bench-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.db')}`;
  const kardiaPort = 18080 + Math.floor(Math.random() * 1000);
  const minimalPort = kardiaPort + 1000;
  const issuer = `http://127.0.0.1:${kardiaPort}`;
  const env = {
    KARDIA_DATABASE_URL: databaseUrl,
    KARDIA_ISSUER: issuer,
    KARDIA_PORT: String(kardiaPort),
    KARDIA_DEMO: 'false',
  };

  // One key pair plays the client at both servers, and the protected resource at both.
  const { privateKey, publicKey } = await generateKeyPair('RS256', {
    modulusLength: 2048,
    extractable: true,
  });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid: 'bench', alg: 'RS256' };
  const jwksFile = join(dir, 'client.jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [publicJwk] }));

  await kardiaCli(['migrate', '--json'], env);
  const client = await addBenchClient('bench', jwksFile, env);
  const rs = (await kardiaCli(
    ['resource-server', 'add', '--name', 'bench-rs', '--jwks-file', jwksFile],
    env,
  )) as {
    client_id: string;
  };

  children.push(await startKardiaProcess(env));
  children.push(await startMinimalServer(minimalPort, publicJwk));
  const minimal = `http://127.0.0.1:${minimalPort}`;

  console.log(`kardia ${issuer} (${databaseUrl.split(':')[0]}), baseline ${minimal}`);
  console.log(`${CONCURRENCY} connections, ${REQUESTS} requests a run, best of 2 runs each\n`);

  // /token, client_credentials with private_key_jwt.
  const tokenRun = async (base: string, clientId: string) => {
    const assertions = await presign(privateJwk, clientId, `${base}/token`, REQUESTS);
    return measure(base, assertions, (a) => ({
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_assertion_type=${encodeURIComponent(ASSERTION_TYPE)}&client_assertion=${a}`,
    }));
  };
  rows.push(
    await compare(
      '/token (client_credentials, private_key_jwt)',
      0.8,
      () => tokenRun(issuer, client.client_id),
      () => tokenRun(minimal, client.client_id),
    ),
  );

  // /introspect by a protected resource.
  const kardiaToken = await tokenFrom(issuer, privateJwk, client.client_id);
  const minimalToken = (
    (await (await fetch(`${minimal}/token-for-bench`)).json()) as { access_token: string }
  ).access_token;
  const introspectRun = async (base: string, callerId: string, token: string) => {
    const assertions = await presign(privateJwk, callerId, `${base}/introspect`, REQUESTS);
    return measure(base, assertions, (a) => ({
      method: 'POST',
      path: '/introspect',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${token}&client_assertion_type=${encodeURIComponent(ASSERTION_TYPE)}&client_assertion=${a}`,
    }));
  };
  rows.push(
    await compare(
      '/introspect (protected resource)',
      0.6,
      () => introspectRun(issuer, rs.client_id, kardiaToken),
      () => introspectRun(minimal, rs.client_id, minimalToken),
    ),
  );

  // FHIR reads and searches: with a token, without authorization (same code, same database),
  // and the minimal verify-and-read endpoint.
  const setup = JSON.parse(
    await nodeScript(
      'bench/fhir-setup.ts',
      ['bench-owner', client.client_id, process.env.BENCH_RECORDS ?? '2'],
      env,
    ),
  ) as {
    rate: { resources: number; resourcesPerSecond: number };
    observationId: string;
    patientId: string;
    token: string;
  };
  notes.push(
    `import: ${setup.rate.resources} resources of generated demo records at ${setup.rate.resourcesPerSecond.toFixed(0)} resources/s`,
  );
  const openPort = minimalPort + 1;
  const open = `http://127.0.0.1:${openPort}`;
  children.push(
    await forkScript('bench/fhir-open-server.ts', {
      ...env,
      KARDIA_ISSUER: open,
      KARDIA_PORT: String(openPort),
    }),
  );
  const bearer = { authorization: `Bearer ${setup.token}` };
  const read = `/fhir/Observation/${setup.observationId}`;
  const search = `/fhir/Observation?patient=${setup.patientId}&_count=20`;
  rows.push(
    await compare(
      'FHIR read with a token, against the minimal verify-and-read',
      0.5,
      () => repeat(issuer, { method: 'GET', path: read, headers: bearer }),
      () =>
        repeat(minimal, {
          method: 'GET',
          path: '/fhir/Observation/obs-1',
          headers: { authorization: `Bearer ${minimalToken}` },
        }),
      'Kardia checks a token signature once and remembers it; the baseline checks it every time',
    ),
  );
  rows.push(
    await compare(
      'FHIR read with a token, against no authorization',
      0,
      () => repeat(issuer, { method: 'GET', path: read, headers: bearer }),
      () => repeat(open, { method: 'GET', path: read }),
    ),
  );
  rows.push(
    await compare(
      'FHIR search (20 a page) with a token, against no authorization',
      0,
      () => repeat(issuer, { method: 'GET', path: search, headers: bearer }),
      () => repeat(open, { method: 'GET', path: search }),
    ),
  );

  // UMA: the owner's record connected, a requesting party the owner's policy lets read its
  // Observations, and that party's client app; then the same /token and FHIR paths with RPTs.
  const uma = JSON.parse(
    await nodeScript('bench/uma-setup.ts', ['connect', 'bench-owner', jwksFile], env),
  ) as {
    clientId: string;
    partySub: string;
    resourceId: string;
    patientId: string;
    observationId: string;
  };
  // Tickets are single-use and the pushed ID token lives five minutes: fresh ones for each run.
  const umaTickets = async (count: number) =>
    JSON.parse(
      await nodeScript(
        'bench/uma-setup.ts',
        ['tickets', 'bench-owner', uma.clientId, uma.partySub, uma.resourceId, String(count)],
        env,
      ),
    ) as { tickets: string[]; idToken: string };
  const umaForm = (ticket: string, idToken: string, assertion: string) =>
    new URLSearchParams({
      grant_type: UMA_TICKET_GRANT,
      ticket,
      claim_token: idToken,
      claim_token_format: ID_TOKEN_FORMAT,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion,
    }).toString();
  const umaBodies = async (count: number) => {
    const { tickets, idToken } = await umaTickets(count);
    const assertions = await presign(privateJwk, uma.clientId, `${issuer}/token`, count);
    return tickets.map((ticket, i) => umaForm(ticket, idToken, assertions[i] ?? ''));
  };
  // One request first: a benchmark of error answers would be worthless.
  const [firstBody] = await umaBodies(1);
  const first = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: firstBody,
  });
  const firstText = await first.text();
  const rpt = (first.ok ? (JSON.parse(firstText) as { access_token?: string }) : {}).access_token;
  if (first.status !== 200 || !rpt) {
    throw new Error(`the uma-ticket grant answered ${first.status}: ${firstText}`);
  }
  const umaNote = 'each request spends its own ticket and pushes an ID token';
  rows.push(
    await compare(
      'RPT issuance (uma-ticket grant, pushed ID token), against /token client_credentials',
      0,
      async () =>
        measure(issuer, await umaBodies(REQUESTS), (body) => ({
          method: 'POST',
          path: '/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        })),
      () => tokenRun(issuer, client.client_id),
      umaNote,
    ),
  );

  const rptBearer = { authorization: `Bearer ${rpt}` };
  const umaRead = `/fhir/Observation/${uma.observationId}`;
  const umaSearch = `/fhir/Observation?patient=${uma.patientId}&_count=20`;
  const readWithRpt = await expectOk(issuer, umaRead, rpt);
  const readWithToken = await expectOk(issuer, umaRead, setup.token);
  if (readWithRpt.id !== uma.observationId || readWithToken.id !== uma.observationId) {
    throw new Error(`GET ${umaRead} did not answer that Observation`);
  }
  rows.push(
    await compare(
      'FHIR read with an RPT, against the same read with an OAuth token',
      0,
      () => repeat(issuer, { method: 'GET', path: umaRead, headers: rptBearer }),
      () => repeat(issuer, { method: 'GET', path: umaRead, headers: bearer }),
      'both on Kardia; the RS introspects each token at most once a second',
    ),
  );
  const searchWithRpt = await expectOk(issuer, umaSearch, rpt);
  const searchWithToken = await expectOk(issuer, umaSearch, setup.token);
  const entries = (bundle: { entry?: unknown[] }) => bundle.entry?.length ?? 0;
  rows.push(
    await compare(
      'FHIR search (20 a page) with an RPT, against the same search with an OAuth token',
      0,
      () => repeat(issuer, { method: 'GET', path: umaSearch, headers: rptBearer }),
      () => repeat(issuer, { method: 'GET', path: umaSearch, headers: bearer }),
      `${entries(searchWithRpt)} and ${entries(searchWithToken)} entries a page`,
    ),
  );

  printTable();
  for (const note of notes) console.log(`\n${note}`);

  // Resident memory: a database of its own, filled to BENCH_MEMORY_RESOURCES (0 skips it).
  const memoryResources = Number(process.env.BENCH_MEMORY_RESOURCES ?? 1_000_000);
  if (memoryResources > 0) {
    const memory = await measureMemory({
      dir,
      jwksFile,
      port: kardiaPort + 2000,
      resources: memoryResources,
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      children,
    });
    const errors = Object.entries(memory.statuses)
      .filter(([status]) => Number(status) !== 200)
      .map(([status, n]) => `${n}× ${status}`);
    const answered = errors.length
      ? `ERRORS: ${errors.join(', ')}`
      : `${memory.requests} answered 200`;
    console.log('\n| resident memory | peak MB | limit MB | ratio | target | |');
    console.log('| --- | ---: | ---: | ---: | ---: | --- |');
    const ratio = memory.peakMb / MEMORY_TARGET_MB;
    console.log(
      `| serving ${memory.resources} resources (reads and patient searches of 50 owners, ${(memory.requests / SECONDS).toFixed(0)} req/s) | ${memory.peakMb.toFixed(0)} | ${MEMORY_TARGET_MB} | ${ratio.toFixed(2)} | ≤ 1.00 | ${ratio <= 1 ? 'meets' : 'ABOVE'}; ${answered}; database built in ${memory.buildSeconds.toFixed(0)} s |`,
    );
  }
}

/** A GET that must answer 200 before it is measured; answers the parsed body. */
async function expectOk(
  base: string,
  path: string,
  token: string,
): Promise<{ id?: string; entry?: unknown[] }> {
  const response = await fetch(`${base}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as { id?: string; entry?: unknown[] };
}

const notes: string[] = [];

async function repeat(base: string, request: LoadRequest): Promise<LoadResult> {
  return measure(
    base,
    Array.from({ length: REQUESTS }, () => ''),
    () => request,
  );
}

async function tokenFrom(
  base: string,
  privateJwk: Parameters<typeof presign>[0],
  clientId: string,
) {
  const [assertion] = await presign(privateJwk, clientId, `${base}/token`, 1);
  const response = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion ?? '',
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function measure(
  base: string,
  items: string[],
  build: (item: string) => LoadRequest,
): Promise<LoadResult> {
  let i = 0;
  return runLoad(base, () => (i < items.length ? build(items[i++] as string) : undefined), {
    concurrency: CONCURRENCY,
    seconds: SECONDS,
    expectStatus: 200,
  });
}

/** Alternates baseline and Kardia twice and keeps each side's best run. */
async function compare(
  path: string,
  target: number,
  kardia: () => Promise<LoadResult>,
  baseline: () => Promise<LoadResult>,
  note?: string,
): Promise<Row> {
  let best = { kardia: 0, baseline: 0 };
  const unexpected: Record<string, number> = {};
  const count = (side: string, result: LoadResult) => {
    for (const [status, n] of Object.entries(result.statuses)) {
      if (Number(status) !== 200)
        unexpected[`${side} ${status}`] = (unexpected[`${side} ${status}`] ?? 0) + n;
    }
  };
  for (let round = 0; round < 2; round++) {
    const b = await baseline();
    const k = await kardia();
    count('baseline', b);
    count('Kardia', k);
    best = {
      kardia: Math.max(best.kardia, k.perSecond),
      baseline: Math.max(best.baseline, b.perSecond),
    };
  }
  // A run that saw errors measured error answers: the row says so (status 0: no answer).
  const errors = Object.entries(unexpected).map(([what, n]) => `${n}× ${what}`);
  const notes = [
    ...(errors.length ? [`ERRORS: ${errors.join(', ')}`] : []),
    ...(note ? [note] : []),
  ];
  return { path, ...best, target, ...(notes.length ? { note: notes.join('; ') } : {}) };
}

function printTable() {
  console.log('| path | Kardia req/s | baseline req/s | ratio | target | |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const row of rows) {
    const ratio = row.kardia / row.baseline;
    const verdict = row.target === 0 ? 'reported' : ratio >= row.target ? 'meets' : 'BELOW';
    console.log(
      `| ${row.path} | ${row.kardia.toFixed(0)} | ${row.baseline.toFixed(0)} | ${ratio.toFixed(2)} | ${row.target ? `≥ ${row.target.toFixed(2)}` : '–'} | ${verdict}${row.note ? `; ${row.note}` : ''} |`,
    );
  }
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGTERM');
}
