import type { Kysely } from 'kysely';
import type { Database } from './tables.js';

/** A small write that may share its transaction with others: it must not depend on them. */
export type GroupedWrite<T> = (db: Kysely<Database>) => Promise<T>;

interface Pending {
  write: GroupedWrite<unknown>;
  done: (value: unknown) => void;
  failed: (error: unknown) => void;
}

/** At most this many writes go into one transaction. */
const MAX_BATCH = 256;

/**
 * Group commit for the small independent rows written on every request (a client assertion's
 * `jti`, an issued token). On SQLite each commit appends every page it dirtied to the WAL, and
 * one connection runs every statement in turn, so a write per transaction pays a commit per row.
 * Here the writes that arrive in one turn of the event loop run, one after the other, in one
 * transaction; each caller's promise settles only once that transaction has committed, so no
 * caller acts on a row that is not stored yet.
 *
 * A write that throws is refused alone: SQLite rolls back the failed statement, not the
 * transaction. That is not so on PostgreSQL, where a failed statement aborts the whole
 * transaction and a pool of connections commits in parallel anyway, so there each write runs on
 * its own, as before.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly grouping: boolean,
  ) {}

  run<T>(write: GroupedWrite<T>): Promise<T> {
    if (!this.grouping) return write(this.db);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, done: resolve as (value: unknown) => void, failed: reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const outcomes: ({ value: unknown } | { error: unknown })[] = [];
      try {
        await this.db.transaction().execute(async (tx) => {
          for (const pending of batch) {
            try {
              outcomes.push({ value: await pending.write(tx) });
            } catch (error) {
              outcomes.push({ error });
            }
          }
        });
      } catch (error) {
        batch.forEach((pending) => pending.failed(error));
        continue;
      }
      batch.forEach((pending, i) => {
        const outcome = outcomes[i];
        if (outcome && 'value' in outcome) pending.done(outcome.value);
        else pending.failed(outcome?.error);
      });
    }
    this.scheduled = false;
  }
}
