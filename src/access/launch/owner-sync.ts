import type { Logger } from 'pino';
import { ownersSince } from '../../fhir/repository/owners.js';
import type { Store } from '../../store/database.js';

/** How often the RS looks for new record owners to report, milliseconds. */
export const OWNER_SYNC_INTERVAL_MS = 30_000;
const BATCH = 1_000;

/**
 * RS side: reports every record owner to the AS (owner-link.ts), so `launch/patient` knows the
 * Patient of each account. At start it reports all of them (the AS may be new, or records were
 * imported while no server ran), then every half minute the links made since. Reports are
 * idempotent, so several nodes doing the same is harmless.
 */
export class OwnerSync {
  private mark = -1;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly announce: (sub: string, patientId: string) => Promise<boolean>,
    private readonly log: Logger,
  ) {}

  start(): void {
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), OWNER_SYNC_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; a pass already running is joined rather than doubled. */
  runOnce(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    try {
      for (;;) {
        // Limitation: more than BATCH links made within one millisecond would be reported only
        // in part; imports make one owner link per Patient, far below that.
        const rows = await ownersSince(this.store.db, this.mark, BATCH);
        for (const row of rows) {
          if (!(await this.announce(row.owner_sub, row.patient_id))) return;
          this.mark = Math.max(this.mark, Number(row.created_at));
        }
        if (rows.length < BATCH) return;
      }
    } catch (error) {
      // The AS may be starting or unreachable: the next pass tries again from the same mark.
      this.log.warn(
        { reason: (error as Error).message },
        'could not report record owners to the AS',
      );
    }
  }
}
