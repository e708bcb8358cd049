import type { CodeableConcept, Coding, Observation, Quantity, Resource } from '@medplum/fhirtypes';

/** One entry of the record as a person reads it: what, its value, when, and its labels. */
export interface RecordLine {
  reference: string;
  type: string;
  title: string;
  value?: string | undefined;
  /** ISO date (or date-time) the entry is about. */
  date?: string | undefined;
  /** `system|code` of the entry's code, to group entries and to chart them. */
  code?: string | undefined;
  /** Security labels (confidentiality above normal, sensitivity), in words. */
  sensitive: string[];
}

const SENSITIVE_CODES: Readonly<Record<string, string>> = {
  R: 'restricted',
  V: 'very restricted',
  ETH: 'substance use',
  GDIS: 'genetic',
  HIV: 'HIV',
  PSY: 'mental health',
  SCA: 'sickle cell',
  SDV: 'abuse or violence',
  SEX: 'sexual and reproductive health',
  STD: 'sexually transmitted disease',
  TBOO: 'taboo topic',
};

export const conceptText = (concept: CodeableConcept | undefined): string =>
  concept?.text ??
  concept?.coding?.find((c) => c.display)?.display ??
  concept?.coding?.[0]?.code ??
  '';

const codeKey = (coding: Coding | undefined): string | undefined =>
  coding?.system && coding.code ? `${coding.system}|${coding.code}` : undefined;

export function quantityText(quantity: Quantity | undefined): string | undefined {
  if (quantity?.value === undefined) return undefined;
  const unit = quantity.unit ?? quantity.code ?? '';
  return `${Number(quantity.value.toFixed(2))}${unit ? ` ${unit}` : ''}`;
}

function observationValue(observation: Observation): string | undefined {
  const direct = quantityText(observation.valueQuantity);
  if (direct) return direct;
  if (observation.valueString) return observation.valueString;
  if (observation.valueInteger !== undefined) return String(observation.valueInteger);
  if (observation.valueCodeableConcept) return conceptText(observation.valueCodeableConcept);
  const parts = (observation.component ?? [])
    .map((component) => component.valueQuantity)
    .filter((quantity): quantity is Quantity => quantity?.value !== undefined);
  if (parts.length === 0) return undefined;
  const unit = parts[0]?.unit ?? '';
  return `${parts.map((q) => Number((q.value ?? 0).toFixed(1))).join('/')} ${unit}`.trim();
}

function sensitiveLabels(resource: Resource): string[] {
  const found = (resource.meta?.security ?? [])
    .map((label) => SENSITIVE_CODES[label.code ?? ''])
    .filter((text): text is string => text !== undefined);
  return [...new Set(found)];
}

type AnyResource = Resource & Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
const concept = (value: unknown): CodeableConcept | undefined =>
  value && typeof value === 'object' ? (value as CodeableConcept) : undefined;

/** What to call an entry and which date it carries, per type. */
export function describeResource(resource: Resource): RecordLine {
  const r = resource as AnyResource;
  const base = {
    reference: `${resource.resourceType}/${resource.id ?? ''}`,
    type: resource.resourceType,
    sensitive: sensitiveLabels(resource),
  };
  switch (resource.resourceType) {
    case 'Observation':
      return {
        ...base,
        title: conceptText(resource.code),
        value: observationValue(resource),
        date: resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.issued,
        code: codeKey(resource.code.coding?.[0]),
      };
    case 'Condition':
      return {
        ...base,
        title: conceptText(resource.code),
        value: conceptText(resource.clinicalStatus) || undefined,
        date: resource.recordedDate ?? resource.onsetDateTime,
      };
    case 'MedicationRequest':
    case 'MedicationStatement':
      return {
        ...base,
        title: conceptText(concept(r.medicationCodeableConcept)) || 'Medicine',
        value: text(r.status),
        date: text(r.authoredOn) ?? text(r.effectiveDateTime) ?? text(r.dateAsserted),
      };
    case 'AllergyIntolerance':
      return {
        ...base,
        title: conceptText(resource.code),
        value: resource.criticality ? `${resource.criticality} criticality` : undefined,
        date: resource.recordedDate ?? resource.onsetDateTime,
      };
    case 'Immunization':
      return {
        ...base,
        title: conceptText(resource.vaccineCode),
        value: resource.status,
        date: resource.occurrenceDateTime,
      };
    case 'Encounter':
      return {
        ...base,
        title: conceptText(resource.type?.[0]) || resource.class?.display || 'Visit',
        value: conceptText(resource.reasonCode?.[0]) || undefined,
        date: resource.period?.start,
      };
    case 'DocumentReference':
      return {
        ...base,
        title: resource.description ?? conceptText(resource.type) ?? 'Document',
        value: conceptText(resource.type) || undefined,
        date: resource.date,
      };
    default:
      return { ...base, title: resource.resourceType, date: resource.meta?.lastUpdated };
  }
}

/** A date as a person reads it, in the server's own terms: `12 Mar 2024`. */
export function dayText(iso: string | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return at.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
}
