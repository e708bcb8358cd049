import { type ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { JWK } from 'jose';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

/** Runs the compiled `kardia` CLI with the given environment and answers its parsed JSON. */
export async function kardiaCli(args: string[], env: Record<string, string>): Promise<unknown> {
  const { stdout } = await run('node', ['bin/kardia.js', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout) as unknown;
}

export async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer in time`);
}

/** Registers the bench's client-credentials client (system/*.read) by hand, as JSON. */
export async function addBenchClient(
  name: string,
  jwksFile: string,
  env: Record<string, string>,
): Promise<{ client_id: string }> {
  const args = ['client', 'add', '--name', name, '--grant', 'client_credentials'];
  const keysAndScope = ['--jwks-file', jwksFile, '--scope', 'system/*.read'];
  return (await kardiaCli([...args, ...keysAndScope], env)) as { client_id: string };
}

/** Starts `kardia serve` as its own process, as it runs in production. */
export async function startKardiaProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(
    'node',
    [
      ...(process.env.BENCH_KARDIA_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      'bin/kardia.js',
      'serve',
    ],
    {
      cwd: root,
      env: { ...process.env, KARDIA_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  await waitFor(`${env.KARDIA_ISSUER}/.well-known/openid-configuration`);
  return child;
}

export async function startMinimalServer(port: number, clientJwk: JWK): Promise<ChildProcess> {
  const child = fork(
    new URL('./minimal-server.ts', import.meta.url).pathname,
    [String(port), JSON.stringify(clientJwk)],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`minimal server exited with ${code}`)));
  });
  return child;
}

/** Pre-signs `count` fresh assertions on two worker threads. */
export async function presign(
  privateJwk: JWK,
  clientId: string,
  audience: string,
  count: number,
): Promise<string[]> {
  const half = Math.ceil(count / 2);
  const sign = (n: number) =>
    new Promise<string[]>((resolve, reject) => {
      const worker = new Worker(new URL('./sign-worker.mjs', import.meta.url), {
        workerData: { privateJwk, clientId, audience, count: n },
      });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const parts = await Promise.all([sign(half), sign(count - half)]);
  return parts.flat();
}

/** Resident memory of a process, in MB, from /proc. */
export async function residentMb(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** Runs a TypeScript script of the bench to completion and answers its standard output. */
export async function nodeScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Starts a TypeScript server script of the bench, which says 'ready' over IPC once listening. */
export async function forkScript(
  script: string,
  env: Record<string, string>,
): Promise<ChildProcess> {
  const child = fork(new URL(`../${script}`, import.meta.url).pathname, [], {
    cwd: root,
    env: { ...process.env, ...env },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return child;
}
