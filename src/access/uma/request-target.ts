import type { Resource } from '@medplum/fhirtypes';
import type { FhirInteraction, FhirRequestCredentials } from '../../fhir/access-port.js';
import { OWNER_PARAMETER } from '../../fhir/definitions/compartment.js';
import { indexResource } from '../../fhir/repository/indexer.js';
import type { Db } from '../../fhir/repository/write.js';
import { compartmentsOf } from './record-parts.js';

/** At most this many patients named by one search are looked up. */
const MAX_NAMED = 20;

/**
 * UMA-RS-5 (G§3.2): the RS tells from the request itself, never from a token, which records it
 * concerns, and so which owner and AS apply: the Patient compartments of the resource addressed,
 * the compartment searched, the patients a search names by `patient` or `subject` (or the type's
 * owner parameter), or the patient a created resource belongs to. Empty when the request names
 * no record: a search across records, a type history, reference data, a Bundle entry.
 */
export async function targetPatients(
  db: Db,
  fhirBase: string,
  credentials: FhirRequestCredentials,
  interaction: FhirInteraction,
): Promise<string[]> {
  const type = interaction.resourceType;
  if (!type || !addressesItself(credentials, interaction)) return [];
  switch (interaction.kind) {
    case 'read':
    case 'vread':
    case 'history-instance':
    case 'patch':
    case 'delete':
      return compartmentsOf(db, type, interaction.id ?? '');
    case 'update': {
      const stored = await compartmentsOf(db, type, interaction.id ?? '');
      return stored.length > 0 ? stored : bodyPatients(credentials.body, fhirBase);
    }
    case 'create':
      return type === 'Patient' ? [] : bodyPatients(credentials.body, fhirBase);
    case 'search-compartment':
      return interaction.compartment ? [interaction.compartment.id] : [];
    case 'search-type':
      return namedPatients(type, searchParameters(credentials));
    default:
      return [];
  }
}

/**
 * Whether the request's own URL is this interaction: a Bundle's entries are authorized with the
 * Bundle's request (`POST [base]`), whose query and body say nothing about the entry.
 * Limitation: so an entry never yields a ticket; under an RPT it is judged by the permissions
 * alone, and without one the Bundle meets the plain Bearer challenge.
 */
function addressesItself(credentials: FhirRequestCredentials, interaction: FhirInteraction) {
  const segments = credentials.path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  const type = interaction.resourceType ?? '';
  const at = segments.lastIndexOf(type);
  if (interaction.kind === 'search-compartment') return segments.includes('Patient');
  return at !== -1 && at >= segments.length - 4;
}

function searchParameters(credentials: FhirRequestCredentials): [string, string][] {
  const query = credentials.query ?? [];
  if (!credentials.path.endsWith('/_search') || !credentials.body) return query;
  return [...query, ...new URLSearchParams(credentials.body)];
}

/** `patient=123`, `subject=Patient/123`, `patient:Patient=<base>/Patient/123`, comma lists. */
function namedPatients(type: string, params: [string, string][]): string[] {
  const names = new Set(['patient', 'subject', OWNER_PARAMETER[type] ?? 'patient']);
  const found = new Set<string>();
  for (const [rawName, value] of params) {
    const [name, modifier] = rawName.split(':');
    if (!name || !names.has(name) || (modifier !== undefined && modifier !== 'Patient')) continue;
    for (const item of value.split(',')) {
      const id = patientId(item.trim(), name === 'subject' && modifier === undefined);
      if (id) found.add(id);
      if (found.size >= MAX_NAMED) break;
    }
  }
  return [...found];
}

function patientId(reference: string, typed: boolean): string | undefined {
  const match = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  if (match) return match[1];
  // A bare id names a Patient only where the parameter targets Patients alone.
  return !typed && /^[A-Za-z0-9\-.]{1,64}$/.test(reference) ? reference : undefined;
}

/** The compartments a resource in a create or update body would land in. */
function bodyPatients(body: string | undefined, fhirBase: string): string[] {
  if (!body || body.length > 1_000_000) return [];
  try {
    const resource = JSON.parse(body) as Resource;
    if (typeof resource?.resourceType !== 'string') return [];
    return indexResource(resource, fhirBase).patients;
  } catch {
    // Not a readable resource: the router refuses it later; no record is named.
    return [];
  }
}
