import type { Kardia } from '../../server/context.js';
import { entriesOf, resolveShares } from '../history/history-entries.js';
import { withRecordReader } from '../record/record-reader.js';

/**
 * When each share was last used, from the record's access history at the RS (the AuditEvents
 * name the share behind each access): share id → time in milliseconds.
 */
export async function lastUseOfShares(kardia: Kardia, owner: string): Promise<Map<string, number>> {
  const last = new Map<string, number>();
  await withRecordReader(kardia, owner, async (reader) => {
    for (const record of await reader.records()) {
      const bundle = await reader.auditEvents(record, [['_count', '1000']]);
      const entries = entriesOf(bundle);
      await resolveShares(kardia, entries);
      for (const entry of entries) {
        if (!entry.shareId || entry.outcome !== 'allowed') continue;
        last.set(entry.shareId, Math.max(last.get(entry.shareId) ?? 0, entry.recordedMs));
      }
    }
  });
  return last;
}
