import type {
  Coding,
  Condition,
  Dosage,
  MedicationRequest,
  MedicationStatement,
  Reference,
} from '@medplum/fhirtypes';
import { labelled } from './labels.js';
import type { Problems } from './problems.js';
import { addDays, dateTime, day, type DemoRecord, type Visit } from './record.js';
import type { Story } from './timeline.js';
import { code, concept, MEDICATIONS, SYSTEM } from './terminology.js';

interface Therapy {
  coding: Coding;
  reason: Reference<Condition>;
  /** The visits that prescribe it: the first starts it, later ones renew it. */
  prescribed: Visit[];
  started: Date;
  /** Days of treatment; none for a long-term medicine. */
  days?: number;
  dosage: Dosage;
  supplyDays: number;
  psychiatric?: boolean;
}

const daily = (text: string, tablets = 1): Dosage => ({
  text,
  timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
  route: concept(code('http://snomed.info/sct', '26643006', 'Oral route'), undefined),
  doseAndRate: [{ doseQuantity: { value: tablets, unit: 'tablet' } }],
});

const OUTPATIENT = code(SYSTEM.medicationRequestCategory, 'outpatient', 'Outpatient');
const COMMUNITY = code(SYSTEM.medicationStatementCategory, 'community', 'Community');

function addTherapy(record: DemoRecord, therapy: Therapy): void {
  const end = therapy.days === undefined ? undefined : addDays(therapy.started, therapy.days);
  const over = end !== undefined && end <= record.asOf;
  const label = <T extends MedicationRequest | MedicationStatement>(r: T): T =>
    therapy.psychiatric ? labelled(r, 'R', 'PSY') : r;

  const requests = therapy.prescribed.map((visit, index) => {
    const last = index === therapy.prescribed.length - 1;
    const request: MedicationRequest = {
      resourceType: 'MedicationRequest',
      status: last && !over ? 'active' : 'completed',
      intent: 'order',
      category: [concept(OUTPATIENT, undefined)],
      medicationCodeableConcept: concept(therapy.coding),
      subject: record.patient,
      encounter: visit.encounter,
      authoredOn: dateTime(visit.end),
      requester: record.practitioner,
      reasonReference: [therapy.reason],
      dosageInstruction: [therapy.dosage],
      dispenseRequest: {
        numberOfRepeatsAllowed: therapy.days === undefined ? 3 : 0,
        expectedSupplyDuration: {
          value: therapy.supplyDays,
          unit: 'days',
          system: SYSTEM.ucum,
          code: 'd',
        },
      },
    };
    return record.add(label(request));
  });

  const statement: MedicationStatement = {
    resourceType: 'MedicationStatement',
    status: over ? 'completed' : 'active',
    category: concept(COMMUNITY, undefined),
    medicationCodeableConcept: concept(therapy.coding),
    subject: record.patient,
    effectivePeriod: { start: day(therapy.started), ...(over && end ? { end: day(end) } : {}) },
    dateAsserted: dateTime(therapy.prescribed.at(-1)?.end ?? therapy.started),
    informationSource: record.patient,
    basedOn: requests.slice(-1),
    reasonReference: [therapy.reason],
    dosage: [therapy.dosage],
  };
  record.add(label(statement));
}

/** Long-term medicines renewed at each check-up, and short courses for acute episodes. */
export function addMedications(record: DemoRecord, story: Story, problems: Problems): void {
  const from = (visit: Visit) => [visit, ...story.checkUps.filter((c) => c.start > visit.start)];
  const hypertensionSince = addDays(record.since, -record.rng.int(300, 700));
  addTherapy(record, {
    coding: MEDICATIONS.lisinopril,
    reason: problems.hypertension,
    prescribed: story.checkUps,
    started: hypertensionSince,
    dosage: daily('10 mg by mouth once a day'),
    supplyDays: 90,
  });
  addTherapy(record, {
    coding: MEDICATIONS.atorvastatin,
    reason: problems.hyperlipidemia,
    prescribed: from(story.lipidDiagnosis),
    started: story.lipidDiagnosis.start,
    dosage: daily('20 mg by mouth every evening'),
    supplyDays: 90,
  });
  addTherapy(record, {
    coding: MEDICATIONS.metformin,
    reason: problems.diabetes,
    prescribed: from(story.diabetesDiagnosis),
    started: story.diabetesDiagnosis.start,
    dosage: daily('500 mg by mouth with the evening meal'),
    supplyDays: 90,
  });
  const depression = story.depressionDiagnosis;
  const renewal = record.visits.find(
    (v) => v.kind === 'follow-up' && v.start > addDays(depression.start, 150),
  );
  addTherapy(record, {
    coding: MEDICATIONS.sertraline,
    reason: problems.depression,
    prescribed: renewal ? [depression, renewal] : [depression],
    started: depression.start,
    days: 365,
    dosage: daily('50 mg by mouth once a day'),
    supplyDays: 180,
    psychiatric: true,
  });
  addTherapy(record, {
    coding: MEDICATIONS.amoxicillin,
    reason: problems.bronchitis,
    prescribed: [story.acute.bronchitis],
    started: story.acute.bronchitis.start,
    days: 10,
    dosage: {
      ...daily('250 mg by mouth three times a day for 10 days'),
      timing: { repeat: { frequency: 3, period: 1, periodUnit: 'd' } },
    },
    supplyDays: 10,
  });
  addTherapy(record, {
    coding: MEDICATIONS.acetaminophen,
    reason: problems.sprain,
    prescribed: [story.acute.sprain],
    started: story.acute.sprain.start,
    days: 14,
    dosage: { text: '650 mg by mouth every 6 hours as needed for pain', asNeededBoolean: true },
    supplyDays: 14,
  });
}
