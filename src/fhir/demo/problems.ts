import type { Coding, Condition, Reference } from '@medplum/fhirtypes';
import { type ConfidentialityCode, labelled, type SensitivityCode } from './labels.js';
import { addDays, dateTime, type DemoRecord, type Visit } from './record.js';
import type { Story } from './timeline.js';
import { code, concept, CONDITIONS, SYSTEM } from './terminology.js';

export interface Problems {
  hypertension: Reference<Condition>;
  hyperlipidemia: Reference<Condition>;
  diabetes: Reference<Condition>;
  depression: Reference<Condition>;
  bronchitis: Reference<Condition>;
  sprain: Reference<Condition>;
}

interface ProblemPlan {
  coding: Coding;
  onset: Date;
  visit?: Visit | undefined;
  /** When it ended; a date after the record's end leaves the problem active. */
  abated?: Date | undefined;
  endedAs?: 'resolved' | 'remission';
  labels?: [ConfidentialityCode, ...SensitivityCode[]];
}

const CATEGORY = {
  problem: code(SYSTEM.conditionCategory, 'problem-list-item', 'Problem List Item'),
  diagnosis: code(SYSTEM.conditionCategory, 'encounter-diagnosis', 'Encounter Diagnosis'),
};

function addProblem(record: DemoRecord, plan: ProblemPlan): Reference<Condition> {
  const ended = plan.abated !== undefined && plan.abated <= record.asOf;
  const status = ended ? (plan.endedAs ?? 'resolved') : 'active';
  const condition: Condition = {
    resourceType: 'Condition',
    clinicalStatus: concept(code(SYSTEM.conditionClinical, status, status), undefined),
    verificationStatus: concept(
      code(SYSTEM.conditionVerification, 'confirmed', 'Confirmed'),
      undefined,
    ),
    category: [concept(plan.visit ? CATEGORY.diagnosis : CATEGORY.problem, undefined)],
    code: concept(plan.coding),
    subject: record.patient,
    ...(plan.visit ? { encounter: plan.visit.encounter } : {}),
    onsetDateTime: dateTime(plan.onset),
    ...(ended && plan.abated ? { abatementDateTime: dateTime(plan.abated) } : {}),
    recordedDate: dateTime(plan.visit?.end ?? plan.onset),
    recorder: record.practitioner,
  };
  const resource = plan.labels ? labelled(condition, ...plan.labels) : condition;
  return record.add(resource, plan.coding.display);
}

/** The problem list: chronic conditions, a past one, and the acute episodes of the timeline. */
export function addProblems(record: DemoRecord, story: Story): Problems {
  const { rng, since } = record;
  const before = (days: number) => addDays(since, -days);
  const visit = (v: Visit) => ({ visit: v, onset: v.start });
  const hypertension = addProblem(record, {
    coding: CONDITIONS.hypertension,
    onset: before(rng.int(700, 1800)),
  });
  addProblem(record, { coding: CONDITIONS.obesity, onset: before(rng.int(200, 500)) });
  // A resolved substance-use history, the kind of entry 42 CFR Part 2 protects.
  addProblem(record, {
    coding: CONDITIONS.alcoholAbuse,
    onset: before(rng.int(4200, 4800)),
    abated: before(rng.int(2900, 3300)),
    labels: ['R', 'ETH'],
  });
  const hyperlipidemia = addProblem(record, {
    coding: CONDITIONS.hyperlipidemia,
    ...visit(story.lipidDiagnosis),
  });
  const diabetes = addProblem(record, {
    coding: CONDITIONS.diabetes,
    ...visit(story.diabetesDiagnosis),
  });
  const depression = addProblem(record, {
    coding: CONDITIONS.depression,
    ...visit(story.depressionDiagnosis),
    abated: addDays(story.depressionDiagnosis.start, 365),
    endedAs: 'remission',
    labels: ['R', 'PSY'],
  });
  const acute = (coding: Coding, v: Visit, days: number) =>
    addProblem(record, { coding, ...visit(v), abated: addDays(v.start, days) });
  acute(CONDITIONS.sinusitis, story.acute.sinusitis, 12);
  const bronchitis = acute(CONDITIONS.bronchitis, story.acute.bronchitis, 16);
  const sprain = acute(CONDITIONS.sprain, story.acute.sprain, 30);
  return { hypertension, hyperlipidemia, diabetes, depression, bronchitis, sprain };
}
