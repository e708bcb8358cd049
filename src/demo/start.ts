import type { Kardia } from '../server/context.js';
import { DEMO_OWNER } from './accounts.js';
import { type DemoOutcome, demoEnabled, seedDemo } from './seed.js';
import { DEMO_LIVE_STEPS } from './steps.js';

export interface DemoAtStart {
  /** Prints the demo accounts once the server listens. */
  announce(): void;
  /** Runs the parts of the demo that need the listening server (DEMO_LIVE_STEPS). */
  afterListen(): Promise<void>;
}

/**
 * The `kardia serve` hook: seeds the demo (before the server is built, so the record exists when
 * the first request arrives) and returns what to print once it listens. Passwords go to the
 * terminal only, never to the log.
 */
export async function prepareDemo(kardia: Kardia): Promise<DemoAtStart | undefined> {
  if (!demoEnabled(kardia.settings)) return undefined;
  const outcome = await seedDemo(kardia);
  if (outcome.status === 'skipped') {
    kardia.log.info({ reason: outcome.reason }, 'demo not seeded');
    return undefined;
  }
  kardia.log.warn(
    { accounts: outcome.accounts.map((a) => a.username), seeded: outcome.status === 'seeded' },
    'demo accounts with well-known passwords are active (KARDIA_DEMO=false turns them off)',
  );
  return {
    afterListen: async () => {
      if (outcome.status !== 'seeded') return;
      for (const step of DEMO_LIVE_STEPS) {
        try {
          await step.run(kardia);
        } catch (error) {
          kardia.log.warn(
            { step: step.name, reason: (error as Error).message },
            'demo step failed',
          );
        }
      }
    },
    announce: () => {
      process.stderr.write(demoBanner(outcome, kardia.urls.account, kardia.settings.host));
    },
  };
}

/** The lines printed at start: who to log in as, with a warning that these are public. */
export function demoBanner(outcome: DemoOutcome, accountUrl: string, host: string): string {
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  const lines = [
    '',
    '  DEMO ACCOUNTS: well-known passwords, for trying Kardia on your own machine only.',
    '  Turn the demo off with KARDIA_DEMO=false; never use these accounts with real data.',
    ...(loopback ? [] : [`  WARNING: listening on ${host}: anyone who can reach it can log in.`]),
    outcome.status === 'seeded'
      ? `  Seeded just now: ${outcome.resources ?? 0} FHIR resources in ${DEMO_OWNER}'s record.`
      : '  Seeded at an earlier start.',
    '',
    ...outcome.accounts.map(
      (a) => `    ${a.username.padEnd(6)} password ${a.password.padEnd(11)} ${a.part}`,
    ),
    '',
    `  Log in at ${accountUrl}`,
    '',
    '',
  ];
  return lines.join('\n');
}
