import type { Observation } from '@medplum/fhirtypes';
import type { Course } from './course.js';
import { type Finding, measured, observation, quantity } from './observations.js';
import { addDays, type DemoRecord } from './record.js';
import { concept, VITALS } from './terminology.js';

/** A blood pressure panel: no value of its own, systolic and diastolic as components. */
function bloodPressure(record: DemoRecord, course: Course, finding: Finding): Observation {
  return observation(record, 'vital-signs', finding, {
    code: concept(VITALS.panel, 'Blood pressure'),
    component: [
      {
        code: concept(VITALS.systolic.coding),
        valueQuantity: quantity(VITALS.systolic, course.systolic(finding.at)),
      },
      {
        code: concept(VITALS.diastolic.coding),
        valueQuantity: quantity(VITALS.diastolic, course.diastolic(finding.at)),
      },
    ],
  });
}

/** The vital signs taken at a clinic visit; height and BMI at check-ups only. */
export function addVisitVitals(record: DemoRecord, course: Course): void {
  const { rng } = record;
  for (const visit of record.visits) {
    if (visit.kind === 'psychotherapy') continue;
    const finding: Finding = {
      at: new Date(visit.start.getTime() + 5 * 60_000),
      encounter: visit.encounter,
      performer: record.practitioner,
    };
    const fever = visit.kind === 'acute';
    const weight = course.weightKg(finding.at);
    const vital = (measure: (typeof VITALS)['weight'], value: number) =>
      record.add(measured(record, 'vital-signs', measure, value, finding));

    record.add(bloodPressure(record, course, finding));
    vital(VITALS.heartRate, course.heartRate() + (fever ? 12 : 0));
    vital(VITALS.respiratoryRate, rng.int(13, fever ? 22 : 17));
    vital(VITALS.oxygenSaturation, rng.int(fever ? 94 : 96, 99));
    vital(VITALS.temperature, fever ? rng.normal(38.2, 0.3) : rng.normal(36.8, 0.2));
    vital(VITALS.weight, weight);
    if (visit.kind === 'check-up') {
      const height = course.heightCm + rng.normal(0, 0.3);
      vital(VITALS.height, height);
      vital(VITALS.bmi, weight / (height / 100) ** 2);
    }
  }
}

/** A home blood pressure cuff, read about once a week over the record's last year. */
export function addHomeReadings(record: DemoRecord, course: Course): void {
  const start = addDays(record.asOf, -364);
  for (let week = 0; week < 52; week += 1) {
    const day = addDays(start, week * 7 + record.rng.int(0, 2));
    if (day < record.since || day > record.asOf) continue;
    const at = new Date(day.getTime() + record.rng.int(6 * 60, 9 * 60) * 60_000);
    const reading = bloodPressure(record, course, { at });
    record.add({ ...reading, note: [{ text: 'Measured at home with an automatic cuff' }] });
  }
}
