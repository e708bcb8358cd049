import type { Command } from 'commander';
import { loadSettings, type Settings, type SettingsInput } from '../config/settings.js';
import { createKardia } from '../server/app.js';
import type { Kardia } from '../server/context.js';
import { createLogger } from '../server/logger.js';

/** A failure the user can act on: printed as one line, exit code 1. */
export class CliError extends Error {}

/** Settings from the global flags plus a command's own. */
export function settingsFrom(command: Command, extra: Partial<SettingsInput> = {}): Settings {
  const globals = command.optsWithGlobals<Record<string, string | undefined>>();
  return loadSettings({
    databaseUrl: globals.databaseUrl,
    issuer: globals.issuer,
    logLevel: globals.logLevel as SettingsInput['logLevel'],
    ...extra,
  });
}

/** Opens Kardia for a one-shot command: logs only warnings, to stderr. */
export async function openForCommand(command: Command): Promise<Kardia> {
  const settings = settingsFrom(command);
  const level = settings.logLevel === 'info' ? 'warn' : settings.logLevel;
  return createKardia(settings, { logger: createLogger(level, process.stderr) });
}

export async function withKardia<T>(command: Command, run: (k: Kardia) => Promise<T>): Promise<T> {
  const kardia = await openForCommand(command);
  try {
    return await run(kardia);
  } finally {
    await kardia.store.close();
  }
}

export function printData(data: unknown, json: boolean, text: () => string): void {
  console.log(json ? JSON.stringify(data, null, 2) : text());
}

export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError('expected input on stdin');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
