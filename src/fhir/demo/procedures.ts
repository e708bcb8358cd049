import type { Coding, Condition, Procedure, Reference } from '@medplum/fhirtypes';
import { labelled } from './labels.js';
import { dateTime, type DemoRecord, type Visit } from './record.js';
import type { Story } from './timeline.js';
import { concept, PROCEDURES } from './terminology.js';

function procedureAt(
  record: DemoRecord,
  coding: Coding,
  visit: Visit,
  reason?: Reference<Condition>,
) {
  const procedure: Procedure = {
    resourceType: 'Procedure',
    status: 'completed',
    code: concept(coding),
    subject: record.patient,
    encounter: visit.encounter,
    performedPeriod: { start: dateTime(visit.start), end: dateTime(visit.end) },
    performer: [{ actor: record.practitioner }],
    ...(reason ? { reasonReference: [reason] } : {}),
  };
  return procedure;
}

/** An ECG at every check-up, a screening colonoscopy, and the depression screening. */
export function addProcedures(
  record: DemoRecord,
  story: Story,
  hypertension: Reference<Condition>,
): void {
  for (const visit of story.checkUps) {
    record.add(procedureAt(record, PROCEDURES.ecg, visit, hypertension));
  }
  const second = story.checkUps[1];
  if (second) record.add(procedureAt(record, PROCEDURES.colonoscopy, second));
  const screening = procedureAt(record, PROCEDURES.depressionScreening, story.depressionDiagnosis);
  record.add(labelled(screening, 'R', 'PSY'));
}
