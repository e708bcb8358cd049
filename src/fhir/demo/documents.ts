import type { Coding, DocumentReference } from '@medplum/fhirtypes';
import { labelled } from './labels.js';
import { dateTime, type DemoRecord, type Visit } from './record.js';
import type { Story } from './timeline.js';
import { code, concept, DOCUMENTS } from './terminology.js';

const CLINICAL_NOTE = code(
  'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
  'clinical-note',
  'Clinical Note',
);

function note(record: DemoRecord, visit: Visit, type: Coding, title: string, text: string) {
  const document: DocumentReference = {
    resourceType: 'DocumentReference',
    status: 'current',
    docStatus: 'final',
    type: concept(type),
    category: [concept(CLINICAL_NOTE, undefined)],
    subject: record.patient,
    date: dateTime(visit.end),
    author: [record.practitioner],
    custodian: record.organization,
    description: title,
    content: [
      {
        attachment: {
          contentType: 'text/plain',
          language: 'en-US',
          data: Buffer.from(text, 'utf8').toString('base64'),
          title,
          creation: dateTime(visit.end),
        },
      },
    ],
    context: {
      encounter: [visit.encounter],
      period: { start: dateTime(visit.start), end: dateTime(visit.end) },
    },
  };
  return document;
}

/** A note for every check-up, and one very restricted note from a therapy session. */
export function addDocuments(record: DemoRecord, story: Story): void {
  story.checkUps.forEach((visit, index) => {
    const year = visit.start.getUTCFullYear();
    const text = [
      `Annual check-up, ${year}.`,
      'Feels well overall. Reviewed home blood pressure readings and medicines.',
      index === 0
        ? 'Lipids above goal: start atorvastatin 20 mg, recheck at next visit.'
        : 'Tolerating current medicines. Continue the plan; labs drawn today.',
      'Plan: diet and activity counselling, return in three months.',
    ].join('\n');
    record.add(note(record, visit, DOCUMENTS.historyAndPhysical, `Check-up ${year}`, text));
  });
  const therapy =
    record.visits.find((v) => v.kind === 'psychotherapy') ?? story.depressionDiagnosis;
  const text = [
    'Psychotherapy session.',
    'Patient disclosed a past abusive relationship; currently safe at home.',
    'Safety plan reviewed; hotline numbers given. Continue monthly sessions.',
  ].join('\n');
  const session = note(record, therapy, DOCUMENTS.progressNote, 'Therapy session note', text);
  // Very restricted: psychotherapy content and a disclosure of domestic violence.
  record.add(labelled(session, 'V', 'PSY', 'SDV'));
}
