import type { Coding, DiagnosticReport, Observation, Reference } from '@medplum/fhirtypes';
import type { Course } from './course.js';
import { labelled } from './labels.js';
import { type Finding, labResult, observation } from './observations.js';
import { dateTime, type DemoRecord, type Visit } from './record.js';
import type { Story } from './timeline.js';
import { code, concept, LABS, PANELS, SCREENING, SYSTEM } from './terminology.js';

const LAB_SERVICE = code(SYSTEM.diagnosticService, 'LAB', 'Laboratory');

/** Results of one draw, grouped by a DiagnosticReport through `result`. */
function report(record: DemoRecord, panel: Coding, finding: Finding, results: Observation[]) {
  const references: Reference<Observation>[] = results.map((result) => record.add(result));
  const diagnosticReport: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    status: 'final',
    category: [concept(LAB_SERVICE, undefined)],
    code: concept(panel),
    subject: record.patient,
    ...(finding.encounter ? { encounter: finding.encounter } : {}),
    effectiveDateTime: dateTime(finding.at),
    issued: dateTime(new Date(finding.at.getTime() + 26 * 3_600_000)),
    performer: [record.organization],
    result: references,
  };
  record.add(diagnosticReport);
}

const drawn = (record: DemoRecord, visit: Visit): Finding => ({
  at: new Date(visit.start.getTime() + 20 * 60_000),
  encounter: visit.encounter,
  performer: record.organization,
});

/** Yearly panels at check-ups; HbA1c every follow-up once diabetes is known. */
export function addLabs(record: DemoRecord, course: Course, story: Story): void {
  const diabetic = (visit: Visit) => visit.start >= story.diabetesDiagnosis.start;
  for (const visit of record.visits) {
    const finding = drawn(record, visit);
    const at = finding.at;
    if (visit.kind === 'check-up') {
      const ldl = course.ldl(at);
      const hdl = course.hdl();
      const triglycerides = course.triglycerides(at);
      report(record, PANELS.lipid, finding, [
        labResult(record, LABS.cholesterol, ldl + hdl + triglycerides / 5, finding),
        labResult(record, LABS.triglycerides, triglycerides, finding),
        labResult(record, LABS.hdl, hdl, finding),
        labResult(record, LABS.ldl, ldl, finding),
      ]);
      const creatinine = course.creatinine();
      report(record, PANELS.metabolic, finding, [
        labResult(record, LABS.glucose, course.glucose(at), finding),
        labResult(record, LABS.sodium, record.rng.normal(140, 1.5), finding),
        labResult(record, LABS.potassium, record.rng.normal(4.2, 0.25), finding),
        labResult(record, LABS.creatinine, creatinine, finding),
        labResult(record, LABS.egfr, 88 * (0.86 / creatinine) ** 1.15, finding),
      ]);
      if (diabetic(visit)) {
        record.add(labResult(record, LABS.albuminRatio, record.rng.normal(18, 5), finding));
      }
    }
    if (visit.kind === 'check-up' || (visit.kind === 'follow-up' && diabetic(visit))) {
      report(record, PANELS.hba1c, finding, [
        labResult(record, LABS.hba1c, course.hba1c(at), finding),
      ]);
    }
  }
  addScreening(record, story);
}

/** Screening results that carry sensitivity labels (HEART FHIR §3). */
function addScreening(record: DemoRecord, story: Story): void {
  const first = story.checkUps[0];
  if (first) {
    const finding = drawn(record, first);
    const hiv = observation(record, 'laboratory', finding, {
      code: concept(SCREENING.hiv),
      valueCodeableConcept: concept(SCREENING.negative),
      issued: dateTime(new Date(finding.at.getTime() + 48 * 3_600_000)),
    });
    record.add(labelled(hiv, 'R', 'HIV'));
  }
  for (const visit of story.checkUps) {
    const smoking = observation(
      record,
      'social-history',
      { at: visit.start, encounter: visit.encounter },
      {
        code: concept(SCREENING.smoking),
        valueCodeableConcept: concept(SCREENING.exSmoker),
      },
    );
    record.add(smoking);
  }
  const mood = [
    story.depressionDiagnosis,
    ...record.visits.filter((v) => v.kind === 'psychotherapy'),
  ];
  mood.forEach((visit, index) => {
    const score = Math.max(2, Math.round(17 - index * 2.5 + record.rng.normal(0, 1)));
    const phq9 = observation(
      record,
      'survey',
      { at: visit.start, encounter: visit.encounter, performer: record.practitioner },
      { code: concept(SCREENING.phq9), valueInteger: score },
    );
    record.add(labelled(phq9, 'R', 'PSY'));
  });
}
