import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { accessFor } from '../../src/access/feature.js';
import { importBundle } from '../../src/fhir/import/run.js';
import type { TestServer } from '../helpers/server.js';

const LOINC = 'http://loinc.org';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';

const vital = (code: string, display: string, value: number, unit: string, at: string) => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: CATEGORY, code: 'vital-signs' }] }],
  code: { coding: [{ system: LOINC, code, display }], text: display },
  subject: { reference: 'urn:uuid:patient' },
  effectiveDateTime: at,
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
});

const lab = (code: string, display: string, value: number, unit: string, at: string) => ({
  ...vital(code, display, value, unit, at),
  category: [{ coding: [{ system: CATEGORY, code: 'laboratory' }] }],
});

/**
 * A small record with every part the overview shows: three weights over a year (a chart), a
 * lab, a condition, a medicine, an allergy, an immunization, a visit, and a document labelled
 * as sensitive (PSY, restricted).
 */
export function smallRecord(family: string): Bundle {
  const subject = { reference: 'urn:uuid:patient' };
  const resources: (Resource & { _fullUrl?: string })[] = [
    { resourceType: 'Patient', name: [{ family, given: ['Test'] }], gender: 'female' },
    vital('29463-7', 'Body weight', 71.5, 'kg', '2024-01-10T09:00:00Z') as Resource,
    vital('29463-7', 'Body weight', 70.1, 'kg', '2024-06-10T09:00:00Z') as Resource,
    vital('29463-7', 'Body weight', 68.9, 'kg', '2025-01-10T09:00:00Z') as Resource,
    lab('4548-4', 'Hemoglobin A1c', 6.1, '%', '2025-01-12T09:00:00Z') as Resource,
    {
      resourceType: 'Condition',
      subject,
      clinicalStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' },
        ],
      },
      code: { text: 'Type 2 diabetes' },
      recordedDate: '2023-05-01',
    },
    {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject,
      medicationCodeableConcept: { text: 'Metformin 500 mg' },
      authoredOn: '2023-05-02',
    },
    {
      resourceType: 'AllergyIntolerance',
      patient: subject,
      clinicalStatus: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
            code: 'active',
          },
        ],
      },
      code: { text: 'Penicillin' },
      criticality: 'high',
      recordedDate: '2020-02-02',
    },
    {
      resourceType: 'Immunization',
      status: 'completed',
      patient: subject,
      vaccineCode: { text: 'Influenza vaccine' },
      occurrenceDateTime: '2024-10-01',
    },
    {
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB', display: 'ambulatory' },
      subject,
      type: [{ text: 'Check-up' }],
      period: { start: '2025-01-10T09:00:00Z' },
    },
    {
      resourceType: 'DocumentReference',
      status: 'current',
      subject,
      description: 'Therapy session note',
      date: '2024-03-03T10:00:00Z',
      content: [{ attachment: { contentType: 'text/plain', data: 'bm90ZQ==' } }],
      meta: {
        security: [
          { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' },
          { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' },
        ],
      },
    },
  ];
  const entry: BundleEntry[] = resources.map((resource, index) => ({
    fullUrl: index === 0 ? 'urn:uuid:patient' : `urn:uuid:r${index}`,
    resource,
    request: { method: 'POST', url: resource.resourceType },
  }));
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/** Imports a record for the account and lets the RS tell the AS about it, as at start. */
export async function giveRecord(server: TestServer, sub: string, family: string) {
  const summary = await importBundle(server.kardia, smallRecord(family), { ownerSub: sub });
  await (await accessFor(server.kardia)).ownerSync.runOnce();
  return summary;
}
