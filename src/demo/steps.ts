import type { Kardia } from '../server/context.js';
import type { UserTable } from '../store/tables.js';
import { demoHistory } from './history.js';

/** What the demo has made so far, for the steps that build on it. */
export interface DemoState {
  /** The demo accounts by username. */
  users: ReadonlyMap<string, UserTable>;
  /** Ids of the Patients the demo owner owns. */
  ownerPatients: readonly string[];
}

export type DemoStep = (kardia: Kardia, state: DemoState) => Promise<void>;

/**
 * Later parts of the demo run here, in order, after the accounts and Alice's record exist: the
 * sharing issue adds "Alice shares her record with Bob", the access-request issue "Carol's
 * request waits for Alice", the dashboard issue a history of accesses. Each step is real data
 * made through the same functions the running server uses.
 */
export const DEMO_STEPS: DemoStep[] = [];

/**
 * Parts of the demo that need the running server (real requests over HTTP), run once it listens
 * on the start that seeded the demo: the dashboard's history of accesses (history.ts).
 */
export const DEMO_LIVE_STEPS: ((kardia: Kardia) => Promise<void>)[] = [demoHistory];
