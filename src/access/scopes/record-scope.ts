import type { FhirInteraction, RecordScope } from '../../fhir/access-port.js';
import type { AccessLetter, ParsedScopes, ResourceGrant } from './grammar.js';
import { accessTypeOf, INTERACTION_LETTERS, isWriteLetter } from './interactions.js';
import { deniedLabels } from './labels.js';

/** Who the token speaks for, as far as reach is concerned (heart-fhir.md 1.4 step 5). */
export interface TokenContext {
  /** The `patient` claim: the record a `patient/` scope is bound to (HFO-3, HFO-17). */
  patient: string | undefined;
  /** Patient ids of the records the token's `sub` owns or is a delegate for (`user/` scopes). */
  owned: readonly string[];
  /** Whether a type lives in the Patient compartment; other types are shared reference data. */
  isCompartmentType(type: string): boolean;
}

export type ScopeDecision =
  { allowed: true; read: RecordScope; write: RecordScope } | { allowed: false; needed: string };

const NOTHING: RecordScope = { types: new Set(), patients: [], deniedLabels: [] };

/**
 * Steps 4 to 6 of heart-fhir.md 1.4: does some granted scope cover the interaction, and what
 * may it read and write. A RecordScope is types × patients, so it only ever holds pairs that a
 * single grant allows: a type joins only when its reach covers every patient in reach.
 */
export function decideScope(
  scopes: ParsedScopes,
  context: TokenContext,
  interaction: FhirInteraction,
): ScopeDecision {
  const letter = INTERACTION_LETTERS[interaction.kind];
  if (!letter) return { allowed: true, read: NOTHING, write: NOTHING };
  const labels = deniedLabels(scopes);
  const primary = interaction.resourceType;

  const main = scopeFor(scopes.grants, context, letter, primary, labels);
  if (!main) return { allowed: false, needed: hint(context, letter, primary) };
  if (!isWriteLetter(letter)) return { allowed: true, read: main, write: NOTHING };
  // A write may look for matches (conditional create) only among what the token can search.
  const read = scopeFor(scopes.grants, context, 's', primary, labels) ?? NOTHING;
  return { allowed: true, read, write: main };
}

/** The RecordScope for one letter, or undefined when no grant covers the primary type. */
function scopeFor(
  grants: readonly ResourceGrant[],
  context: TokenContext,
  letter: AccessLetter,
  primary: string | undefined,
  labels: string[],
): RecordScope | undefined {
  const usable = grants.filter((grant) => grant.letters.has(letter) && usableGrant(grant, context));
  const target = primary ?? '*';
  const main = reach(usable, context, letter, target, primary === undefined);
  if (!main) return undefined;
  const patients = [...main];
  const candidates = new Set(usable.map((grant) => grant.type));
  const types = new Set<string>();
  for (const type of candidates) {
    const covered = reach(usable, context, letter, type, false);
    if (covered && patients.every((id) => covered.has(id))) types.add(type);
  }
  return { types: types.has('*') ? '*' : types, patients, deniedLabels: labels };
}

/** HFO-3: a `patient/` scope in a token without a `patient` claim counts as absent. */
const usableGrant = (grant: ResourceGrant, context: TokenContext) =>
  grant.permission !== 'patient' || context.patient !== undefined;

/**
 * The patients that the grants naming `type` (or `*`) reach, or undefined when none names it.
 * With `anyType`, every grant counts (interactions without a type). Under a `patient/` scope,
 * shared reference data can be read but not written (heart-fhir.md 1.4 step 5).
 */
function reach(
  grants: readonly ResourceGrant[],
  context: TokenContext,
  letter: AccessLetter,
  type: string,
  anyType: boolean,
): Set<string> | undefined {
  let found: Set<string> | undefined;
  for (const grant of grants) {
    if (!anyType && grant.type !== '*' && grant.type !== type) continue;
    if (
      grant.permission === 'patient' &&
      isWriteLetter(letter) &&
      type !== '*' &&
      !context.isCompartmentType(type)
    ) {
      continue;
    }
    found ??= new Set();
    if (grant.permission === 'patient' && context.patient) found.add(context.patient);
    if (grant.permission === 'user') context.owned.forEach((id) => found?.add(id));
  }
  return found;
}

/** RFC 6750 §3 `scope` attribute: a scope value that would have been enough. */
function hint(context: TokenContext, letter: AccessLetter, type: string | undefined): string {
  const permission = context.patient ? 'patient' : 'user';
  return `${permission}/${type ?? '*'}.${accessTypeOf(letter)}`;
}
