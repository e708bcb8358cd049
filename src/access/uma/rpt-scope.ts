import type { RecordScope } from '../../fhir/access-port.js';
import { parseScopes } from '../scopes/grammar.js';
import { deniedLabels } from '../scopes/labels.js';
import type { Registration } from './registrations.js';
import { type RecordPart, SPECIAL_SCOPES } from './resource-table.js';

/** One RPT permission in the introspection shape (F§5.1.1). */
export interface RptPermission {
  resource_id: string;
  resource_scopes: string[];
  exp?: number;
}

/** What an RPT grants at this RS: per record, per part, the scopes and special scopes held. */
export interface RptGrants {
  /** patient id → part (`*` or a type) → access scopes. */
  access: Map<string, Map<RecordPart, Set<string>>>;
  /** patient id → part → special scopes (`conf/`, `sens/`, `btg`) held on that resource. */
  special: Map<string, Map<RecordPart, Set<string>>>;
}

/** Reads `permissions` from introspection; malformed entries and expired ones grant nothing. */
export function parsePermissions(raw: unknown[], now: number): RptPermission[] {
  const permissions: RptPermission[] = [];
  for (const item of raw) {
    if (!item || typeof item !== 'object') continue;
    const { resource_id: id, resource_scopes: scopes, exp } = item as Record<string, unknown>;
    if (typeof id !== 'string' || !Array.isArray(scopes)) continue;
    // F§5.1.1: a permission's own `exp` ends it before the token does.
    if (typeof exp === 'number' && exp <= now) continue;
    const texts = scopes.filter((s): s is string => typeof s === 'string');
    permissions.push({ resource_id: id, resource_scopes: texts });
  }
  return permissions;
}

/**
 * heart-fhir.md 2.3: each permission on a resource this RS registered becomes scopes on that part
 * of that record. Permissions on resources the RS never registered count for nothing.
 */
export function grantsOf(permissions: RptPermission[], registrations: Registration[]): RptGrants {
  const byId = new Map(registrations.map((r) => [r.resourceId, r]));
  const grants: RptGrants = { access: new Map(), special: new Map() };
  const specials = new Set(SPECIAL_SCOPES);
  for (const permission of permissions) {
    const registration = byId.get(permission.resource_id);
    if (!registration) continue;
    for (const scope of permission.resource_scopes) {
      if (!registration.scopes.includes(scope)) continue;
      const target = specials.has(scope) ? grants.special : grants.access;
      const parts = target.get(registration.patientId) ?? new Map<RecordPart, Set<string>>();
      const held = parts.get(registration.part) ?? new Set<string>();
      held.add(scope);
      parts.set(registration.part, held);
      target.set(registration.patientId, parts);
    }
  }
  return grants;
}

/**
 * The records in which `scope` on `type` is held: through the record resource, which covers
 * every type of the record (heart-fhir.md 2.3, Kardia is also the AS), or the type's own. For
 * the Patient resource, and for interactions without a type, only the record resource counts.
 */
export function reachOf(grants: RptGrants, type: string | undefined, scope: string): string[] {
  const found: string[] = [];
  for (const [patientId, parts] of grants.access) {
    const whole = parts.get('*')?.has(scope) ?? false;
    const typed = type && type !== 'Patient' ? (parts.get(type)?.has(scope) ?? false) : false;
    if (whole || typed) found.push(patientId);
  }
  return found.sort();
}

/**
 * The RecordScope for `scope` around a primary type: the records in reach, and every type the
 * RPT covers in all of them (types × patients only ever holds pairs the RPT grants). Labels:
 * heart-fhir.md 2.3, special scopes act like Part 1 scopes for their resource; a label is cleared
 * only when every permission used clears it, so no resource's clearance lends itself to another.
 */
export function rptScope(
  grants: RptGrants,
  primary: string | undefined,
  scope: string,
): { scope: RecordScope; btg: boolean } | undefined {
  const patients = reachOf(grants, primary, scope);
  if (patients.length === 0) return undefined;
  const wholeEverywhere = patients.every((p) => grants.access.get(p)?.get('*')?.has(scope));
  let types: RecordScope['types'] = '*';
  if (!wholeEverywhere) {
    const candidates = new Set<string>();
    for (const p of patients)
      for (const part of grants.access.get(p)?.keys() ?? []) candidates.add(part);
    const covered = new Set<string>();
    for (const type of candidates) {
      if (type !== '*' && patients.every((p) => reachOf(grants, type, scope).includes(p))) {
        covered.add(type);
      }
    }
    types = covered;
  }

  let cleared: Set<string> | undefined;
  for (const p of patients) {
    for (const [part, held] of grants.access.get(p) ?? []) {
      if (!held.has(scope) || (types !== '*' && part !== '*' && !types.has(part))) continue;
      const own = grants.special.get(p)?.get(part) ?? new Set<string>();
      cleared = cleared ? new Set([...cleared].filter((s) => own.has(s))) : new Set(own);
    }
  }
  const parsed = parseScopes([...(cleared ?? [])].join(' '));
  return {
    scope: { types, patients, deniedLabels: deniedLabels(parsed) },
    btg: parsed.btg,
  };
}

/** A short, token-free account of what an RPT held, for the audit record. */
export function describeGrants(grants: RptGrants): string {
  const parts: string[] = [];
  for (const [patientId, byPart] of grants.access) {
    for (const [part, scopes] of byPart) {
      const special = [...(grants.special.get(patientId)?.get(part) ?? [])];
      parts.push(`Patient/${patientId}:${part}:${[...scopes, ...special].sort().join(',')}`);
    }
  }
  return parts.sort().join(' ').slice(0, 2_000);
}
