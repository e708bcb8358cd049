/**
 * The parts of a record the dashboard shows, and the FHIR searches that find each. One table,
 * so the overview, the share form and the preview all speak of the same parts.
 */
export interface CategorySearch {
  type: string;
  params: Record<string, string>;
  /** A date search parameter of the type, newest first. */
  sort: string;
}

export interface RecordCategory {
  key: string;
  label: string;
  /** One line saying what the part holds. */
  hint: string;
  searches: CategorySearch[];
  /** Latest entries shown: one per distinct code (vital signs, labs) or simply the newest. */
  latest: 'per-code' | 'newest';
}

export const RECORD_CATEGORIES: readonly RecordCategory[] = [
  {
    key: 'vitals',
    label: 'Vital signs',
    hint: 'Blood pressure, heart rate, weight, temperature',
    searches: [{ type: 'Observation', params: { category: 'vital-signs' }, sort: '-date' }],
    latest: 'per-code',
  },
  {
    key: 'labs',
    label: 'Lab results',
    hint: 'Blood tests and other laboratory results',
    searches: [{ type: 'Observation', params: { category: 'laboratory' }, sort: '-date' }],
    latest: 'per-code',
  },
  {
    key: 'conditions',
    label: 'Conditions',
    hint: 'Diagnoses and health problems',
    searches: [{ type: 'Condition', params: {}, sort: '-recorded-date' }],
    latest: 'newest',
  },
  {
    key: 'medications',
    label: 'Medications',
    hint: 'Prescriptions and medicines taken',
    searches: [
      { type: 'MedicationRequest', params: {}, sort: '-authoredon' },
      { type: 'MedicationStatement', params: {}, sort: '-effective' },
    ],
    latest: 'newest',
  },
  {
    key: 'allergies',
    label: 'Allergies',
    hint: 'Allergies and intolerances',
    searches: [{ type: 'AllergyIntolerance', params: {}, sort: '-date' }],
    latest: 'newest',
  },
  {
    key: 'immunizations',
    label: 'Immunizations',
    hint: 'Vaccines given',
    searches: [{ type: 'Immunization', params: {}, sort: '-date' }],
    latest: 'newest',
  },
  {
    key: 'encounters',
    label: 'Visits',
    hint: 'Encounters with doctors and clinics',
    searches: [{ type: 'Encounter', params: {}, sort: '-date' }],
    latest: 'newest',
  },
  {
    key: 'documents',
    label: 'Documents',
    hint: 'Notes, letters and reports',
    searches: [{ type: 'DocumentReference', params: {}, sort: '-date' }],
    latest: 'newest',
  },
];

/** Words for the resource types a person may see named (shares, history, requests). */
export const TYPE_WORDS: Readonly<Record<string, string>> = {
  Patient: 'personal details',
  Observation: 'observations (vital signs and lab results)',
  DiagnosticReport: 'lab reports',
  Condition: 'conditions',
  MedicationRequest: 'prescriptions',
  MedicationStatement: 'medicines taken',
  Medication: 'medicine descriptions',
  AllergyIntolerance: 'allergies',
  Immunization: 'immunizations',
  Encounter: 'visits',
  DocumentReference: 'documents',
  Procedure: 'procedures',
  AuditEvent: 'access history',
  Practitioner: 'clinicians',
  Organization: 'organizations',
};

export const typeWords = (type: string): string =>
  TYPE_WORDS[type] ?? type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
