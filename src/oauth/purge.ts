import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Kardia } from '../server/context.js';
import type { Database } from '../store/tables.js';
import { nowSeconds } from '../util/time.js';
import { CLOCK_SKEW } from './client-auth.js';

/** How often each node purges, milliseconds. Every node does it; a delete is idempotent. */
export const PURGE_INTERVAL_MS = 5 * 60_000;
/** Rows deleted per statement, so no purge holds a lock (or SQLite's one writer) for long. */
const BATCH_SIZE = 500;
/** Statements per table and run; what is left waits for the next run. */
const MAX_BATCHES = 200;

interface PurgeRule {
  table: keyof Database;
  /** The table's primary key columns. */
  key: string[];
  /** The time column compared with the cutoff. */
  column: string;
  /** Seconds a row is kept after `column`. */
  keepFor: number;
}

/**
 * What is deleted, and when. Each area owning a table of short-lived rows adds its line here.
 * - Codes stay an hour past expiry, so a late second redemption is still recognised and revokes
 *   what the first produced (RFC 6749 §4.1.2) instead of meeting an unknown code.
 * - Tokens go once expired (plus the clock skew nodes may differ by): a token whose row is gone
 *   is refused anyway, since verifyOwnToken requires the row.
 * - Assertion jtis are kept until their assertion's `exp` plus skew, already in `expires_at`.
 * - Rate-limit rows go a day after their window opened, longer than any window Kardia uses.
 */
export const PURGE_RULES: PurgeRule[] = [
  { table: 'authorization_codes', key: ['code_hash'], column: 'expires_at', keepFor: 3600 },
  { table: 'tokens', key: ['jti'], column: 'expires_at', keepFor: CLOCK_SKEW },
  { table: 'assertion_jtis', key: ['client_id', 'jti'], column: 'expires_at', keepFor: 0 },
  { table: 'login_sessions', key: ['id_hash'], column: 'expires_at', keepFor: 0 },
  { table: 'rate_limits', key: ['bucket'], column: 'window_start', keepFor: 86_400 },
];

/** Deletes every row past its time; answers how many went, per table. */
export async function purgeExpired(kardia: Kardia): Promise<Record<string, number>> {
  const now = nowSeconds();
  const deleted: Record<string, number> = {};
  for (const rule of PURGE_RULES) {
    deleted[rule.table] = await purgeTable(kardia, rule, now - rule.keepFor);
  }
  return deleted;
}

/**
 * `delete ... where key in (select key ... limit n)`: the portable batched delete, since neither
 * PostgreSQL nor a stock SQLite has `delete ... limit`. Identifiers come from PURGE_RULES only.
 */
async function purgeTable(kardia: Kardia, rule: PurgeRule, cutoff: number): Promise<number> {
  const table = sql.table(rule.table);
  const keys = sql.join(rule.key.map((column) => sql.ref(column)));
  const keyTuple = rule.key.length === 1 ? keys : sql`(${keys})`;
  let total = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const result = await sql`
      delete from ${table} where ${keyTuple} in (
        select ${keys} from ${table} where ${sql.ref(rule.column)} < ${cutoff} limit ${BATCH_SIZE}
      )`.execute(kardia.store.db);
    const count = Number(result.numAffectedRows ?? 0n);
    total += count;
    if (count < BATCH_SIZE) break;
    // better-sqlite3 runs synchronously: let requests in between batches.
    await yieldToEventLoop();
  }
  return total;
}

/**
 * Runs purgeExpired every `intervalMs` until the returned stop function is called; the timer is
 * unref'd so it never keeps a process alive, and runs never overlap.
 */
export function startPurging(kardia: Kardia, intervalMs = PURGE_INTERVAL_MS): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= purgeExpired(kardia)
      .then((deleted) => {
        const total = Object.values(deleted).reduce((sum, n) => sum + n, 0);
        if (total > 0) kardia.log.info({ deleted }, 'expired rows purged');
      })
      .catch((error: unknown) => {
        kardia.log.warn({ err: error instanceof Error ? error : undefined }, 'purge failed');
      })
      .finally(() => (running = undefined));
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** The purge timer starts when the server is ready and stops (after any run in flight) on close. */
export function registerPurge(app: FastifyInstance, kardia: Kardia): void {
  let stop: (() => Promise<void>) | undefined;
  app.addHook('onReady', async () => {
    stop = startPurging(kardia);
  });
  app.addHook('onClose', async () => {
    await stop?.();
  });
}
