/**
 * The one parser of HEART FHIR OAuth 2.0 scopes at the resource server (spec/heart-fhir.md 1.2 to
 * 1.5): HEART and SMART v1 strings, SMART v2 letter strings, the SMART URI form, `conf/`, `sens/`
 * and `btg`. Everything is normalised to SMART v2 letters. A scope that fits no rule is skipped,
 * never an error (spec/README.md "Scopes at the RS").
 */

/** SMART v2 access letters, in their fixed order (SMART App Launch 2.x, heart-fhir.md 1.5). */
export const ACCESS_LETTERS = ['c', 'r', 'u', 'd', 's'] as const;
export type AccessLetter = (typeof ACCESS_LETTERS)[number];

/**
 * HEART FHIR §2.1 and its registry §6.1 (Kardia's reading, HFO-2, HFO-18): what each permission
 * type reaches. `system` is SMART Backend Services, not HEART: it is recognised so that it is
 * never mistaken for another form, and it grants nothing on the HEART path (heart-fhir.md 1.2).
 */
export const PERMISSION_TYPES = {
  patient: 'bound-patient',
  user: 'owned-records',
  system: 'nothing',
} as const;
export type PermissionType = keyof typeof PERMISSION_TYPES;

/**
 * HEART FHIR §2.3 and its registry §6.2 (Kardia's reading, HFO-6 to HFO-8): each access type as
 * SMART v2 letters. `write` does not include read. A registry addition is one new row.
 */
export const ACCESS_TYPES: Readonly<Record<string, string>> = {
  read: 'rs',
  write: 'cud',
  '*': 'cruds',
};

/** Confidentiality codes (HL7 v3 Confidentiality), lowest to highest (heart-fhir.md 1.3). */
export const CONFIDENTIALITY_CODES = ['U', 'L', 'M', 'N', 'R', 'V'] as const;
export type ConfidentialityCode = (typeof CONFIDENTIALITY_CODES)[number];

/** SMART's URI form, read as its short form (heart-fhir.md 1.5). */
const SMART_SCOPE_URI = 'http://smarthealthit.org/fhir/scopes/';

const RESOURCE_SCOPE = /^([a-z]+)\/(\*|[A-Z][A-Za-z]*)\.([a-z*]+)$/;
const V2_LETTERS = /^c?r?u?d?s?$/;
const SENSITIVITY_CODE = /^[A-Z0-9]+$/;

/** One resource scope that grants something: `patient/Observation.rs` and the like. */
export interface ResourceGrant {
  permission: Exclude<PermissionType, 'system'>;
  /** An R4 resource type name, or `*` for every type. */
  type: string;
  letters: ReadonlySet<AccessLetter>;
  /** The scope as the token carried it, for the audit record and error hints. */
  scope: string;
}

export interface ParsedScopes {
  grants: ResourceGrant[];
  confidentiality: ReadonlySet<ConfidentialityCode>;
  /** `sens/` codes as written; only those in the label table (labels.ts) clear anything. */
  sensitivity: ReadonlySet<string>;
  btg: boolean;
}

/** Splits an OAuth `scope` value and sorts each entry; unknown entries are skipped. */
export function parseScopes(scope: string | undefined): ParsedScopes {
  const grants: ResourceGrant[] = [];
  const confidentiality = new Set<ConfidentialityCode>();
  const sensitivity = new Set<string>();
  let btg = false;
  for (const raw of (scope ?? '').split(' ')) {
    const entry = raw.startsWith(SMART_SCOPE_URI) ? raw.slice(SMART_SCOPE_URI.length) : raw;
    if (entry === 'btg') btg = true;
    else if (entry.startsWith('conf/')) {
      const code = entry.slice('conf/'.length);
      if (isConfidentialityCode(code)) confidentiality.add(code);
    } else if (entry.startsWith('sens/')) {
      const code = entry.slice('sens/'.length);
      if (SENSITIVITY_CODE.test(code)) sensitivity.add(code);
    } else {
      const grant = parseResourceScope(entry);
      if (grant) grants.push(grant);
    }
  }
  return { grants, confidentiality, sensitivity, btg };
}

/**
 * `permission/Type.access`. Answers undefined for anything that grants nothing: an unknown
 * permission or access type (HFO-18), a `system/` scope, letters out of `cruds` order, or a
 * SMART v2 constraint (`?name=value`), since dropping only the constraint would widen access.
 */
export function parseResourceScope(entry: string): ResourceGrant | undefined {
  const match = RESOURCE_SCOPE.exec(entry);
  if (!match) return undefined;
  const [, permission = '', type = '', access = ''] = match;
  if (!Object.hasOwn(PERMISSION_TYPES, permission)) return undefined;
  if (PERMISSION_TYPES[permission as PermissionType] === 'nothing') return undefined;
  const letters = Object.hasOwn(ACCESS_TYPES, access)
    ? ACCESS_TYPES[access]
    : V2_LETTERS.test(access)
      ? access
      : undefined;
  if (!letters) return undefined;
  return {
    permission: permission as ResourceGrant['permission'],
    type,
    letters: new Set(letters.split('') as AccessLetter[]),
    scope: entry,
  };
}

const isConfidentialityCode = (code: string): code is ConfidentialityCode =>
  (CONFIDENTIALITY_CODES as readonly string[]).includes(code);
