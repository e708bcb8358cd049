import type { Bundle } from '@medplum/fhirtypes';
import { addAllergies } from './allergies.js';
import { Course } from './course.js';
import { addDocuments } from './documents.js';
import { addImmunizations } from './immunizations.js';
import { addLabs } from './labs.js';
import { addMedications } from './medications.js';
import { addCareTeam, addPatient, type PersonOptions } from './people.js';
import { addProblems } from './problems.js';
import { addProcedures } from './procedures.js';
import { DemoRecord } from './record.js';
import { planTimeline } from './timeline.js';
import { addHomeReadings, addVisitVitals } from './vitals.js';

export interface DemoOptions extends PersonOptions {
  /** The same seed and options always give the same record, byte for byte. */
  seed?: string;
  /** The record's last day, `YYYY-MM-DD`; the default is today (UTC), so the demo looks current. */
  asOf?: string;
  /** Years of history before `asOf`, 1 to 30. */
  years?: number;
}

export const DEFAULT_DEMO_SEED = 'kardia-demo';

export class DemoOptionsError extends Error {}

/**
 * A synthetic, realistic personal health record as a FHIR R4 transaction Bundle: years of visits
 * with vital signs and labs (LOINC, UCUM), conditions (SNOMED CT), medicines (RxNorm), allergies,
 * immunizations (CVX), procedures, notes, and some entries carrying HEART conf/ and sens/ labels.
 * Pure computation: no download, no clock other than the default `asOf`.
 */
export function generateDemoRecord(options: DemoOptions = {}): Bundle {
  const years = options.years ?? 6;
  if (!Number.isInteger(years) || years < 1 || years > 30) {
    throw new DemoOptionsError('years: a whole number from 1 to 30');
  }
  const asOf = parseDay(options.asOf ?? new Date().toISOString().slice(0, 10));
  const since = new Date(
    Date.UTC(asOf.getUTCFullYear() - years, asOf.getUTCMonth(), asOf.getUTCDate()),
  );
  const record = new DemoRecord(options.seed ?? DEFAULT_DEMO_SEED, asOf, since);

  addCareTeam(record);
  addPatient(record, options);
  const story = planTimeline(record, years);
  const female = record.entries.some(
    (e) => e.resource?.resourceType === 'Patient' && e.resource.gender === 'female',
  );
  const course = new Course(record, story, female);
  const problems = addProblems(record, story);
  addAllergies(record);
  addVisitVitals(record, course);
  addHomeReadings(record, course);
  addLabs(record, course, story);
  addMedications(record, story, problems);
  addImmunizations(record, story);
  addProcedures(record, story, problems.hypertension);
  addDocuments(record, story);
  return record.bundle();
}

function parseDay(value: string): Date {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T23:59:59Z`) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new DemoOptionsError('asOf: a date YYYY-MM-DD');
  return date;
}
