import type { FhirAuditEvent, FhirCaller } from '../../fhir/access-port.js';
import type { Store } from '../../store/database.js';
import { type AuditRecord, toAuditRecord, writeAuditRecords } from './audit-log.js';

/** At most this many records go into one transaction (16 columns each stay under SQLite's limit). */
const MAX_BATCH = 500;

interface Pending {
  record: AuditRecord;
  done: () => void;
  failed: (error: unknown) => void;
}

/**
 * Writes audit records with group commit: while one transaction is being written, the records
 * that arrive wait and then go together in the next one. A lone request pays for one small
 * transaction as before; under load many requests share one, instead of each waiting for its
 * own. Each caller's promise settles only once its record is stored, so an interaction is never
 * answered as audited before it is.
 */
export class AuditWriter {
  private queue: Pending[] = [];
  private writing = false;

  constructor(private readonly store: Store) {}

  record(event: FhirAuditEvent, caller: FhirCaller | undefined): Promise<AuditRecord> {
    const record = toAuditRecord(event, caller);
    return new Promise((resolve, reject) => {
      this.queue.push({ record, done: () => resolve(record), failed: reject });
      if (!this.writing) {
        this.writing = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await writeAuditRecords(
          this.store,
          batch.map((pending) => pending.record),
        );
        batch.forEach((pending) => pending.done());
      } catch (error) {
        batch.forEach((pending) => pending.failed(error));
      }
    }
    this.writing = false;
  }
}
