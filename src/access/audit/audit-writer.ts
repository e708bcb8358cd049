import type { FhirAuditEvent, FhirCaller } from '../../fhir/access-port.js';
import type { Store } from '../../store/database.js';
import { TurnBatcher } from '../../util/turn-batcher.js';
import { type AuditRecord, toAuditRecord, writeAuditRecords } from './audit-log.js';

/** At most this many records go into one transaction (16 columns each stay under SQLite's limit). */
const MAX_BATCH = 500;

/**
 * Writes audit records with group commit: the records of the interactions that reach their audit
 * in the same turn of the event loop go into one transaction, in one insert per table, instead
 * of each waiting for its own. Each caller's promise settles only once its record is stored, so
 * an interaction is never answered as audited before it is.
 */
export class AuditWriter {
  private readonly batcher: TurnBatcher<AuditRecord, AuditRecord>;

  constructor(store: Store) {
    this.batcher = new TurnBatcher(async (records) => {
      await writeAuditRecords(store, records);
      return records.map((value) => ({ value }));
    }, MAX_BATCH);
  }

  record(event: FhirAuditEvent, caller: FhirCaller | undefined): Promise<AuditRecord> {
    return this.batcher.add(toAuditRecord(event, caller));
  }
}
