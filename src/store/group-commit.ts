import type { Kysely } from 'kysely';
import { type Outcome, TurnBatcher } from '../util/turn-batcher.js';
import type { Database } from './tables.js';

/** A small write that may share its transaction with others: it must not depend on them. */
export type GroupedWrite<T> = (db: Kysely<Database>) => Promise<T>;

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
  private readonly batcher: TurnBatcher<GroupedWrite<unknown>, unknown>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly grouping: boolean,
  ) {
    this.batcher = new TurnBatcher((writes) => this.commit(writes), MAX_BATCH);
  }

  run<T>(write: GroupedWrite<T>): Promise<T> {
    if (!this.grouping) return write(this.db);
    return this.batcher.add(write) as Promise<T>;
  }

  private async commit(writes: GroupedWrite<unknown>[]): Promise<Outcome<unknown>[]> {
    const outcomes: Outcome<unknown>[] = [];
    await this.db.transaction().execute(async (tx) => {
      for (const write of writes) {
        try {
          outcomes.push({ value: await write(tx) });
        } catch (error) {
          outcomes.push({ error });
        }
      }
    });
    return outcomes;
  }
}
