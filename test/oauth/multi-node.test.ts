import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { addResourceServer, addStaticClient } from '../../src/oauth/static-registration.js';
import { createKardia } from '../../src/server/app.js';
import type { Kardia } from '../../src/server/context.js';
import { createLogger } from '../../src/server/logger.js';
import {
  assertionParams,
  clientAssertion,
  makeKeyPair,
  postForm,
  type TestClient,
} from '../helpers/clients.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../helpers/database.js';
import { freePort, startKardia, type TestServer } from '../helpers/server.js';

/**
 * Several Kardia nodes behind one public issuer share one database and nothing else
 * (DESIGN.md, Storage): a token issued by one node is active at the other, an assertion `jti`
 * used at one is refused at the other, and a revocation at one is seen by the other at once.
 */

/** One node: where to send requests. All nodes share the issuer, so `aud` values are the same. */
interface Node {
  base: string;
}

const BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The checks, run against any two nodes sharing one database and one issuer. */
function sharedStateChecks(cluster: () => { issuer: string; a: Node; b: Node; kardia: Kardia }) {
  let client: TestClient;
  let rs: TestClient;

  beforeAll(async () => {
    const { kardia } = cluster();
    const keys = await makeKeyPair();
    const registered = await addStaticClient(kardia, {
      name: 'Bulk exporter',
      grant: 'client_credentials',
      jwks: keys.jwks,
      scope: 'system/*.read',
    });
    client = { clientId: registered.clientId, keys };
    const rsKeys = await makeKeyPair();
    const resource = await addResourceServer(kardia, { name: 'Records RS', jwks: rsKeys.jwks });
    rs = { clientId: resource.clientId, keys: rsKeys };
  });

  const token = async (node: Node) => {
    const { issuer } = cluster();
    const response = await postForm(`${node.base}/token`, {
      grant_type: 'client_credentials',
      ...(await assertionParams(client, `${issuer}/token`)),
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return String(response.body.access_token);
  };
  const introspect = async (node: Node, accessToken: string) => {
    const { issuer } = cluster();
    const response = await postForm(`${node.base}/introspect`, {
      token: accessToken,
      ...(await assertionParams(rs, `${issuer}/introspect`)),
    });
    expect(response.status).toBe(200);
    return response.body;
  };

  it('a token issued by one node is introspected active by the other', async () => {
    const { a, b } = cluster();
    const fromA = await token(a);
    expect(await introspect(b, fromA)).toMatchObject({ active: true, client_id: client.clientId });
    const fromB = await token(b);
    expect(await introspect(a, fromB)).toMatchObject({ active: true, client_id: client.clientId });
  });

  it('OA-TK-3 an assertion jti used at one node is refused at the other', async () => {
    const { issuer, a, b } = cluster();
    const form = {
      grant_type: 'client_credentials',
      client_assertion_type: BEARER,
      client_assertion: await clientAssertion(client, `${issuer}/token`),
    };
    expect((await postForm(`${a.base}/token`, form)).status).toBe(200);
    const replay = await postForm(`${b.base}/token`, form);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_client');
  });

  it('OA-TK-3 of one assertion sent to both nodes at once, exactly one is accepted', async () => {
    const { issuer, a, b } = cluster();
    const form = {
      grant_type: 'client_credentials',
      client_assertion_type: BEARER,
      client_assertion: await clientAssertion(client, `${issuer}/token`),
    };
    const answers = await Promise.all(
      [a, b, a, b].map((node) => postForm(`${node.base}/token`, form)),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401, 401, 401]);
  });

  it('OA-RV-1 a revocation at one node is seen by the other', async () => {
    const { issuer, a, b } = cluster();
    for (const [issuing, revoking, checking] of [
      [a, a, b],
      [a, b, a],
      [b, a, b],
    ] as const) {
      const accessToken = await token(issuing);
      expect((await introspect(checking, accessToken)).active).toBe(true);
      const revoked = await postForm(`${revoking.base}/revoke`, {
        token: accessToken,
        ...(await assertionParams(client, `${issuer}/revoke`)),
      });
      expect(revoked.status).toBe(200);
      expect(await introspect(checking, accessToken)).toEqual({ active: false });
    }
  });
}

describe('multi-node: two servers in one process, one database', () => {
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    first = await startKardia();
    second = await startKardia({ issuer: first.url }, { database: first.database });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  sharedStateChecks(() => ({
    issuer: first.url,
    a: { base: first.url },
    b: { base: second.url },
    kardia: first.kardia,
  }));
});

/** A `kardia serve` process of its own, on `port`, with the shared database and issuer. */
async function spawnNode(database: TestDatabase, port: number, issuer: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      KARDIA_DATABASE_URL: database.url,
      KARDIA_PORT: String(port),
      KARDIA_HOST: '127.0.0.1',
      KARDIA_ISSUER: issuer,
      KARDIA_ROLES: 'as',
      KARDIA_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`kardia serve exited: ${stderr.slice(0, 500)}`);
    try {
      const response = await fetch(`${base}/.well-known/openid-configuration`);
      if (response.status === 200) return { child, node: { base } };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGTERM');
  throw new Error(`kardia serve did not become ready: ${stderr.slice(0, 500)}`);
}

async function stopNode(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

describe(`multi-node: two kardia serve processes, one ${usingPostgres() ? 'PostgreSQL schema' : 'SQLite file'}`, () => {
  let database: TestDatabase;
  let issuer: string;
  let nodes: { child: ChildProcess; node: Node }[] = [];
  let kardia: Kardia;

  beforeAll(async () => {
    database = await createTestDatabase();
    const [portA, portB] = [await freePort(), await freePort()];
    // The public issuer is node A's address; node B answers on its own port under that name,
    // as nodes behind one load balancer would.
    issuer = `http://localhost:${portA}`;
    // One after the other: the first start migrates and makes the signing key.
    nodes.push(await spawnNode(database, portA, issuer));
    nodes.push(await spawnNode(database, portB, issuer));
    kardia = await createKardia(
      loadSettings({ issuer, databaseUrl: database.url, roles: ['as'] }, {}),
      { logger: createLogger('silent') },
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all(nodes.map(({ child }) => stopNode(child)));
    nodes = [];
    await kardia?.store.close();
    await database?.drop();
  });

  sharedStateChecks(() => ({
    issuer,
    a: nodes[0]?.node ?? { base: '' },
    b: nodes[1]?.node ?? { base: '' },
    kardia,
  }));
});
