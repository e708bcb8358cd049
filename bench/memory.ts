/**
 * Resident memory of `kardia serve` on a large database (DESIGN.md: at most 400 MB serving a
 * million resources): a database of its own is filled by bench/memory-setup.ts, a Kardia
 * process serves it, and owner-scoped reads and searches spread over the whole database run
 * against it while the process's resident set is sampled from /proc.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { runLoad, type LoadRequest } from './load.js';
import { addBenchClient, kardiaCli, nodeScript, startKardiaProcess } from './processes.js';

export const MEMORY_TARGET_MB = 400;

export interface MemoryResult {
  resources: number;
  buildSeconds: number;
  peakMb: number;
  requests: number;
  statuses: Record<number, number>;
}

interface Reader {
  token: string;
  patient: string;
  observation: string;
}

/** The resident set of a process, in MB, from /proc (Linux). */
function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export async function measureMemory(options: {
  dir: string;
  jwksFile: string;
  port: number;
  resources: number;
  concurrency: number;
  seconds: number;
  children: ChildProcess[];
}): Promise<MemoryResult> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const env = {
    KARDIA_DATABASE_URL: `sqlite:${join(options.dir, 'memory.db')}`,
    KARDIA_ISSUER: issuer,
    KARDIA_PORT: String(options.port),
    KARDIA_DEMO: 'false',
  };
  await kardiaCli(['migrate', '--json'], env);
  const client = await addBenchClient('memory', options.jwksFile, env);
  const setup = JSON.parse(
    await nodeScript(
      'bench/memory-setup.ts',
      [client.client_id, String(options.resources), '50'],
      env,
    ),
  ) as { total: number; buildSeconds: number; readers: Reader[] };

  const child = await startKardiaProcess(env);
  options.children.push(child);
  const pid = child.pid ?? 0;
  let peakMb = residentMb(pid);
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, residentMb(pid));
  }, 200);

  let i = 0;
  const next = (): LoadRequest => {
    const reader = setup.readers[i % setup.readers.length] as Reader;
    const path =
      i % 4 === 3
        ? `/fhir/Observation?patient=${reader.patient}&_count=20`
        : `/fhir/Observation/${reader.observation}`;
    i += 1;
    return { method: 'GET', path, headers: { authorization: `Bearer ${reader.token}` } };
  };
  try {
    const load = await runLoad(issuer, next, {
      concurrency: options.concurrency,
      seconds: options.seconds,
      expectStatus: 200,
    });
    peakMb = Math.max(peakMb, residentMb(pid));
    return {
      resources: setup.total,
      buildSeconds: setup.buildSeconds,
      peakMb,
      requests: load.requests,
      statuses: load.statuses,
    };
  } finally {
    clearInterval(sampler);
    child.kill('SIGTERM');
  }
}
