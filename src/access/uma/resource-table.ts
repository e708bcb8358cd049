import type { FhirInteraction } from '../../fhir/access-port.js';
import { SPECIAL_SCOPES as ENFORCED_SPECIAL_SCOPES } from '../scopes/labels.js';

/**
 * Kardia's reading of the HEART FHIR UMA 2 mapping (heart-fhir.md 2.2, 2.3): every UMA value
 * the published text may change sits in this one module. The type URIs, the scope strings and
 * the name patterns of the resources the RS registers, and which of them each FHIR interaction
 * needs (2.4). Scope strings may switch to URI form here alone.
 */
const SD = 'http://hl7.org/fhir/StructureDefinition/';

/** The access scopes of every registration, and the UMA scope each FHIR access needs. */
export const UMA_READ = 'read';
export const UMA_WRITE = 'write';

/**
 * HFU-4: the RS registers `conf/`, `sens/` and `btg` only while it enforces them. Kardia's RS
 * always filters labels and honours `btg` (src/access/scopes/labels.ts), so the list is the one
 * it enforces.
 */
export const SPECIAL_SCOPES: readonly string[] = ENFORCED_SPECIAL_SCOPES;

/** `*` stands for the whole record (the Patient compartment); otherwise a FHIR type. */
export type RecordPart = '*' | string;

export const UMA_RESOURCE_TABLE = {
  record: {
    type: () => `${SD}Patient`,
    scopes: [UMA_READ, UMA_WRITE],
    name: (who: string) => `Health record of ${who}`,
  },
  recordType: {
    type: (fhirType: string) => `${SD}${fhirType}`,
    scopes: [UMA_READ, UMA_WRITE],
    name: (who: string, fhirType: string) => `${fhirType} in the health record of ${who}`,
  },
} as const;

/** A resource description as the RS registers it (F§3.1). */
export interface UmaDescription {
  name: string;
  type: string;
  resource_scopes: string[];
  [member: string]: string | string[];
}

/**
 * The description of one part of a record. UMA-POL-4: names carry the record's FHIR id and the
 * type, never a clinical value or the patient's name.
 */
export function describePart(patientId: string, part: RecordPart): UmaDescription {
  const who = `Patient/${patientId}`;
  const row = part === '*' ? UMA_RESOURCE_TABLE.record : UMA_RESOURCE_TABLE.recordType;
  return {
    name: part === '*' ? UMA_RESOURCE_TABLE.record.name(who) : row.name(who, part),
    type:
      part === '*' ? UMA_RESOURCE_TABLE.record.type() : UMA_RESOURCE_TABLE.recordType.type(part),
    resource_scopes: [...row.scopes, ...SPECIAL_SCOPES],
  };
}

/**
 * heart-fhir.md 2.4: the record part and UMA scope an interaction needs, or undefined when it
 * names no part of a record (capabilities, bundles, which are judged entry by entry). The
 * Patient resource is the record itself: reading or changing it needs the record resource.
 */
export function neededPart(
  interaction: FhirInteraction,
): { part: RecordPart; scope: string } | undefined {
  const type = interaction.resourceType;
  if (!type) return undefined;
  const part = type === 'Patient' ? '*' : type;
  switch (interaction.kind) {
    case 'read':
    case 'vread':
    case 'history-instance':
    case 'search-type':
    case 'search-compartment':
    case 'history-type':
      return { part, scope: UMA_READ };
    case 'create':
    case 'update':
    case 'patch':
    case 'delete':
      return { part, scope: UMA_WRITE };
    default:
      return undefined;
  }
}

/** HFU-8: the 2.4 table as the CapabilityStatement publishes it (`rest.security.description`). */
export const UMA_PATTERN_TEXT = [
  'UMA 2.0 (HEART FHIR UMA 2): each connected record is registered at its owner’s',
  'authorization server as one resource for the whole record (type',
  `${SD}Patient) and one per record and resource type (type ${SD}<Type>), with scopes`,
  `${UMA_READ}, ${UMA_WRITE} and the special scopes ${SPECIAL_SCOPES.join(' ')}.`,
  'Permission tickets name the most specific resource a request needs:',
  `read, vread, instance history, search by patient or subject, type history → the record-and-type resource, ${UMA_READ};`,
  `GET Patient/<id> and compartment searches across types → the record resource, ${UMA_READ};`,
  `create, update, patch, delete → the record-and-type resource, ${UMA_WRITE}.`,
  'A permission on the record resource covers every type of that record.',
].join(' ');
