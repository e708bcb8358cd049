/**
 * Typed tables of the FHIR resource server (migration 002-fhir). Times are integer milliseconds;
 * resource JSON is text; `deleted` is 0/1. Index tables hold one row per value a search
 * parameter takes on the current version of a resource.
 */
export interface FhirResourceTable {
  resource_type: string;
  id: string;
  version: number;
  last_updated: number;
  deleted: number;
  content: string | null;
}

export type FhirHistoryTable = FhirResourceTable;

interface IndexRow {
  resource_type: string;
  id: string;
  param: string;
}

export interface TokenIndexTable extends IndexRow {
  system: string | null;
  code: string | null;
  /** Display or text, normalized like strings, for `:text`. */
  text: string | null;
}

export interface StringIndexTable extends IndexRow {
  /** Lower case, without diacritics: what default string search compares. */
  value: string;
  /** As written, for `:exact`. */
  raw: string;
}

export interface DateIndexTable extends IndexRow {
  start_ms: number;
  end_ms: number;
}

export interface ReferenceIndexTable extends IndexRow {
  target_type: string | null;
  target_id: string | null;
  /** Absolute references to other servers and canonicals, as written. */
  url: string | null;
}

export interface QuantityIndexTable extends IndexRow {
  value: number;
  system: string | null;
  code: string | null;
  unit: string | null;
}

export interface UriIndexTable extends IndexRow {
  value: string;
}

export interface NumberIndexTable extends IndexRow {
  value: number;
}

export interface CompartmentTable {
  resource_type: string;
  id: string;
  patient_id: string;
}

export interface SecurityLabelTable {
  resource_type: string;
  id: string;
  label: string;
}

export interface PatientOwnerTable {
  patient_id: string;
  owner_sub: string;
  created_at: number;
}

export interface FhirTables {
  fhir_resources: FhirResourceTable;
  fhir_history: FhirHistoryTable;
  fhir_token_index: TokenIndexTable;
  fhir_string_index: StringIndexTable;
  fhir_date_index: DateIndexTable;
  fhir_reference_index: ReferenceIndexTable;
  fhir_quantity_index: QuantityIndexTable;
  fhir_uri_index: UriIndexTable;
  fhir_number_index: NumberIndexTable;
  fhir_compartments: CompartmentTable;
  fhir_security_labels: SecurityLabelTable;
  fhir_patient_owners: PatientOwnerTable;
}

/** The index table of each search parameter kind Kardia indexes. */
export const indexTableOf = {
  token: 'fhir_token_index',
  string: 'fhir_string_index',
  date: 'fhir_date_index',
  reference: 'fhir_reference_index',
  quantity: 'fhir_quantity_index',
  uri: 'fhir_uri_index',
  number: 'fhir_number_index',
} as const;

export type IndexKind = keyof typeof indexTableOf;
export type IndexTableName = (typeof indexTableOf)[IndexKind];
