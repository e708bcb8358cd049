import type { Kardia } from '../server/context.js';
import { demoHistory } from './history.js';
import { demoSharing } from './sharing.js';

/**
 * The parts of the demo that need the running server (real requests over HTTP), run in order
 * once it listens, on the start that seeded the accounts and Alice's record (seed.ts): an app's
 * visits for the history (history.ts), then Alice's share with Bob, used by his app, and Carol's
 * request waiting for Alice (sharing.ts). Each is real data made by the server's own code paths.
 */
export const DEMO_LIVE_STEPS: { name: string; run: (kardia: Kardia) => Promise<void> }[] = [
  { name: 'history', run: demoHistory },
  { name: 'sharing', run: demoSharing },
];
