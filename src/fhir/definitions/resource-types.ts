/**
 * The resource types Kardia serves (spec Part 4.1, first and second tier) and the interactions
 * each allows. Everything here is R4 (4.0.1); Medplum's own types are never served.
 */
export type TypeInteraction =
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'history-type'
  | 'create'
  | 'search-type';

const ALL: readonly TypeInteraction[] = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'history-type',
  'create',
  'search-type',
];

/** Binary is read only over REST: its bytes arrive through import (spec Part 4.1). */
const READ_ONLY: readonly TypeInteraction[] = ['read', 'vread', 'history-instance'];

export const SERVED_TYPES: Readonly<Record<string, readonly TypeInteraction[]>> = {
  Patient: ALL,
  Observation: ALL,
  Condition: ALL,
  AllergyIntolerance: ALL,
  MedicationStatement: ALL,
  MedicationRequest: ALL,
  Medication: ALL,
  Immunization: ALL,
  Procedure: ALL,
  DiagnosticReport: ALL,
  DocumentReference: ALL,
  Binary: READ_ONLY,
  Encounter: ALL,
  Practitioner: ALL,
  Organization: ALL,
  PractitionerRole: ALL,
  Location: ALL,
  Consent: ALL,
  Provenance: ALL,
  AuditEvent: ALL,
  RelatedPerson: ALL,
  CarePlan: ALL,
  Goal: ALL,
  CareTeam: ALL,
  FamilyMemberHistory: ALL,
  Device: ALL,
  DeviceUseStatement: ALL,
  QuestionnaireResponse: ALL,
};

export const servedTypeNames = (): string[] => Object.keys(SERVED_TYPES).sort();

export function isServedType(type: string): boolean {
  return Object.hasOwn(SERVED_TYPES, type);
}

export function allows(type: string, interaction: TypeInteraction): boolean {
  return SERVED_TYPES[type]?.includes(interaction) ?? false;
}

/** FHIR R4 §2.1.0.1: logical ids are 1 to 64 characters of A-Z a-z 0-9 - . */
export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
export const isValidId = (id: string): boolean => ID_PATTERN.test(id);
