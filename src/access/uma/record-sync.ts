import type { Logger } from 'pino';
import { NotLinked, type PatLinks } from './pat-links.js';
import type { Registrations } from './registrations.js';

/** How often every connected record is brought in step and PATs refreshed, milliseconds. */
export const RECORD_SYNC_INTERVAL_MS = 30_000;

/**
 * Keeps each connected owner's registrations in step with their record (heart-fhir.md 2.3): at
 * once after a write through the FHIR API touched the record, and every half minute for all of
 * them, which also catches imports made by another process. The same pass refreshes PATs ahead
 * of expiry. Passes for one owner never overlap: a request during a pass makes one more pass.
 */
export class RecordSync {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly links: PatLinks,
    private readonly registrations: Registrations,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), RECORD_SYNC_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Brings one owner's registrations in step; answers when that pass is over. */
  schedule(owner: string): Promise<void> {
    const current = this.running.get(owner);
    if (current) {
      this.again.add(owner);
      return current;
    }
    const pass = this.pass(owner).finally(() => {
      this.running.delete(owner);
      if (this.again.delete(owner)) void this.schedule(owner);
    });
    this.running.set(owner, pass);
    return pass;
  }

  /**
   * Every connected owner, one after the other, after refreshing PATs that end soon.
   * Limitation: each pass reads every connected record's types; with many thousands of records
   * it would take a change feed from the FHIR repository instead of a full pass.
   */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        await this.links.refreshDue();
        for (const owner of await this.links.owners()) await this.schedule(owner);
      } catch (error) {
        this.log.warn({ reason: (error as Error).message }, 'UMA record sync failed');
      }
    })().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async pass(owner: string): Promise<void> {
    try {
      await this.registrations.sync(owner);
    } catch (error) {
      if (error instanceof NotLinked) return;
      // The AS may be down: the next pass tries again.
      this.log.warn({ reason: (error as Error).message }, 'could not register a record at the AS');
    }
  }
}
