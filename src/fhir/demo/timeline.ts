import type { CodeableConcept, Coding, Encounter } from '@medplum/fhirtypes';
import { labelled } from './labels.js';
import { addDays, atOfficeHours, dateTime, type DemoRecord, type Visit } from './record.js';
import { concept, ENCOUNTER_CLASSES, ENCOUNTER_TYPES } from './terminology.js';

/** The turning points of the record's story; each module reads the dates it needs. */
export interface Story {
  checkUps: Visit[];
  /** Lipids found high at the first check-up: hyperlipidemia, statin. */
  lipidDiagnosis: Visit;
  /** HbA1c above 6.5 % at a later check-up: type 2 diabetes, metformin. */
  diabetesDiagnosis: Visit;
  /** Low mood at a follow-up: depression, sertraline and a course of psychotherapy. */
  depressionDiagnosis: Visit;
  acute: { sinusitis: Visit; bronchitis: Visit; sprain: Visit };
}

const YEAR = 365;

/** Plans the visits: a yearly check-up, chronic-care follow-ups and a few acute episodes. */
export function planTimeline(record: DemoRecord, years: number): Story {
  const { rng, since, asOf } = record;
  const span = (asOf.getTime() - since.getTime()) / 86_400_000;
  const at = (fraction: number) => addDays(since, Math.floor(span * fraction) + rng.int(-7, 7));
  const plans: { kind: Visit['kind']; date: Date }[] = [];

  for (let year = 0; year < years; year += 1) {
    const checkUp = addDays(since, year * YEAR + rng.int(10, 40));
    plans.push({ kind: 'check-up', date: checkUp });
    for (const offset of [91, 182, 273]) {
      plans.push({ kind: 'follow-up', date: addDays(checkUp, offset + rng.int(-14, 14)) });
    }
  }
  plans.push({ kind: 'acute', date: at(0.2) }, { kind: 'acute', date: at(0.45) });
  plans.push({ kind: 'emergency', date: at(0.75) });

  const inRange = plans.filter((p) => p.date.getTime() <= asOf.getTime() && p.date >= since);
  inRange.sort((a, b) => a.date.getTime() - b.date.getTime());

  const followUps = inRange.filter((p) => p.kind === 'follow-up');
  const moodVisit = followUps[Math.floor(followUps.length * 0.55)];
  if (moodVisit) {
    for (let month = 1; month <= 6; month += 1) {
      const date = addDays(moodVisit.date, month * 30 + rng.int(-3, 3));
      if (date.getTime() <= asOf.getTime()) inRange.push({ kind: 'psychotherapy', date });
    }
    inRange.sort((a, b) => a.date.getTime() - b.date.getTime());
  }

  record.visits = inRange.map((plan) => addVisit(record, plan.kind, plan.date));
  const of = (kind: Visit['kind']) => record.visits.filter((v) => v.kind === kind);
  const checkUps = of('check-up');
  const fallback = record.visits[0];
  if (!fallback || checkUps.length === 0) throw new Error('the demo timeline needs one year');
  const [sinusitis, bronchitis] = of('acute');
  const depressionIndex = moodVisit ? inRange.indexOf(moodVisit) : -1;
  return {
    checkUps,
    lipidDiagnosis: checkUps[0] ?? fallback,
    diabetesDiagnosis: checkUps[Math.min(1, checkUps.length - 1)] ?? fallback,
    depressionDiagnosis: record.visits[depressionIndex] ?? fallback,
    acute: {
      sinusitis: sinusitis ?? fallback,
      bronchitis: bronchitis ?? fallback,
      sprain: of('emergency')[0] ?? fallback,
    },
  };
}

const TYPES: Record<Visit['kind'], { type: Coding; class: Coding; minutes: number }> = {
  'check-up': { type: ENCOUNTER_TYPES.checkUp, class: ENCOUNTER_CLASSES.ambulatory, minutes: 40 },
  'follow-up': { type: ENCOUNTER_TYPES.followUp, class: ENCOUNTER_CLASSES.ambulatory, minutes: 20 },
  acute: { type: ENCOUNTER_TYPES.symptom, class: ENCOUNTER_CLASSES.ambulatory, minutes: 15 },
  psychotherapy: {
    type: ENCOUNTER_TYPES.psychotherapy,
    class: ENCOUNTER_CLASSES.ambulatory,
    minutes: 50,
  },
  emergency: { type: ENCOUNTER_TYPES.emergency, class: ENCOUNTER_CLASSES.emergency, minutes: 180 },
};

function addVisit(record: DemoRecord, kind: Visit['kind'], date: Date): Visit {
  const start = kind === 'emergency' ? date : atOfficeHours(record, date);
  const plan = TYPES[kind];
  const end = new Date(start.getTime() + plan.minutes * 60_000);
  const type: CodeableConcept = concept(plan.type);
  const encounter: Encounter = {
    resourceType: 'Encounter',
    status: 'finished',
    class: plan.class,
    type: [type],
    subject: record.patient,
    participant: [{ individual: record.practitioner }],
    period: { start: dateTime(start), end: dateTime(end) },
    serviceProvider: record.organization,
  };
  // Psychotherapy visits reveal a psychiatric condition by their mere existence.
  const resource = kind === 'psychotherapy' ? labelled(encounter, 'R', 'PSY') : encounter;
  return { kind, start, end, encounter: record.add(resource) };
}
