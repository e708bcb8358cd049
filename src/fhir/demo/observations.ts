import type {
  Encounter,
  Observation,
  ObservationReferenceRange,
  Organization,
  Practitioner,
  Reference,
} from '@medplum/fhirtypes';
import { dateTime, type DemoRecord, round } from './record.js';
import { code, concept, type Lab, type Measure, SYSTEM } from './terminology.js';

export type Category = 'vital-signs' | 'laboratory' | 'social-history' | 'survey';

const CATEGORY_DISPLAY: Record<Category, string> = {
  'vital-signs': 'Vital Signs',
  laboratory: 'Laboratory',
  'social-history': 'Social History',
  survey: 'Survey',
};

export const category = (value: Category) => [
  concept(code(SYSTEM.observationCategory, value, CATEGORY_DISPLAY[value]), undefined),
];

export const quantity = (measure: Measure, value: number) => ({
  value: round(value, measure.decimals),
  unit: measure.unit,
  system: SYSTEM.ucum,
  code: measure.ucum,
});

export interface Finding {
  at: Date;
  encounter?: Reference<Encounter> | undefined;
  /** Who recorded it; home readings have none. */
  performer?: Reference<Practitioner | Organization> | undefined;
}

/** The common frame of every demo Observation. */
export function observation(
  record: DemoRecord,
  kind: Category,
  finding: Finding,
  rest: Omit<Observation, 'resourceType' | 'status' | 'subject'>,
): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: category(kind),
    subject: record.patient,
    ...(finding.encounter ? { encounter: finding.encounter } : {}),
    effectiveDateTime: dateTime(finding.at),
    ...(finding.performer ? { performer: [finding.performer] } : {}),
    ...rest,
  };
}

export function measured(
  record: DemoRecord,
  kind: Category,
  measure: Measure,
  value: number,
  finding: Finding,
): Observation {
  return observation(record, kind, finding, {
    code: concept(measure.coding),
    valueQuantity: quantity(measure, value),
  });
}

const INTERPRETATION = {
  H: code(SYSTEM.interpretation, 'H', 'High'),
  L: code(SYSTEM.interpretation, 'L', 'Low'),
  N: code(SYSTEM.interpretation, 'N', 'Normal'),
};

/** A lab result with its reference range and a high, low or normal interpretation. */
export function labResult(
  record: DemoRecord,
  lab: Lab,
  value: number,
  finding: Finding,
): Observation {
  const shown = round(value, lab.decimals);
  const flag =
    lab.high !== undefined && shown > lab.high
      ? 'H'
      : lab.low !== undefined && shown < lab.low
        ? 'L'
        : 'N';
  const range: ObservationReferenceRange = {
    ...(lab.low === undefined ? {} : { low: quantity(lab, lab.low) }),
    ...(lab.high === undefined ? {} : { high: quantity(lab, lab.high) }),
  };
  return {
    ...measured(record, 'laboratory', lab, value, finding),
    issued: dateTime(new Date(finding.at.getTime() + 26 * 3_600_000)),
    interpretation: [concept(INTERPRETATION[flag], undefined)],
    referenceRange: [range],
  };
}
