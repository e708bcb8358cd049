import type { Resource } from '@medplum/fhirtypes';
import type { Kardia } from '../../server/context.js';
import { typeWords } from '../record/categories.js';
import { describeResource, type RecordLine } from '../record/describe.js';
import { summarizeRecord } from '../record/overview.js';
import { withRecordReader } from '../record/record-reader.js';
import type { SharablePart } from './record-resources.js';
import type { ShareChoice } from './share-form.js';

/** One part of a share's preview: what it is called, how many entries, and the latest ones. */
export interface PreviewPart {
  label: string;
  count: number;
  latest: RecordLine[];
}

const SHOWN = 3;

/**
 * What the person would see through the share, read from the RS with a token narrowed exactly as
 * their RPT would be (heart-fhir.md 2.3: `read` on X's Observations acts as
 * `patient/Observation.read` bound to X, with the share's special scopes): the RS's own scope
 * and label filters decide, not a copy of them here.
 */
export async function previewShare(
  kardia: Kardia,
  owner: string,
  choice: ShareChoice,
  parts: SharablePart[],
): Promise<PreviewPart[]> {
  const chosen = parts.filter((part) => choice.partIds.includes(part.id));
  const whole = chosen.some((part) => part.fhirType === '*');
  const types = whole ? '*' : chosen.map((part) => part.fhirType);
  return withRecordReader(
    kardia,
    owner,
    async (reader) => {
      const records = await reader.records();
      if (whole) {
        const summaries = await summarizeRecord(reader, records);
        return summaries.map((s) => ({
          label: s.label,
          count: s.count,
          latest: s.latest.slice(0, SHOWN),
        }));
      }
      const out: PreviewPart[] = [];
      for (const type of types as string[]) {
        let count = 0;
        const latest: RecordLine[] = [];
        for (const record of records) {
          const params = { patient: record.patientId };
          count += await reader.count(record.resource, type, params);
          const found = await reader.resources<Resource>(record.resource, type, {
            ...params,
            _sort: '-_lastUpdated',
            _count: String(SHOWN),
          });
          latest.push(...found.map(describeResource));
        }
        out.push({ label: typeWords(type), count, latest: latest.slice(0, SHOWN) });
      }
      return out;
    },
    { types, special: choice.sensitive },
  );
}
