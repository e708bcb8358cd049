import { describe, expect, it } from 'vitest';
import type { FhirInteraction, RecordScope } from '../../src/fhir/access-port.js';
import { isCompartmentType } from '../../src/fhir/definitions/compartment.js';
import { parseScopes } from '../../src/access/scopes/grammar.js';
import {
  CONFIDENTIALITY_SYSTEM,
  deniedLabels,
  SENSITIVITY_SYSTEM,
} from '../../src/access/scopes/labels.js';
import { decideScope, type ScopeDecision } from '../../src/access/scopes/record-scope.js';

/** Account A owns Patient/example and Patient/pat1 (heart-fhir.md 1.7 set-up). */
const OWNED_BY_A = ['example', 'pat1'];

function decide(
  scope: string,
  interaction: FhirInteraction,
  patient?: string,
  owned: string[] = OWNED_BY_A,
): ScopeDecision {
  return decideScope(parseScopes(scope), { patient, owned, isCompartmentType }, interaction);
}

function allowed(decision: ScopeDecision): { read: RecordScope; write: RecordScope } {
  if (!decision.allowed) throw new Error(`refused, needs ${decision.needed}`);
  return decision;
}

const typesOf = (scope: RecordScope) => (scope.types === '*' ? '*' : [...scope.types].sort());

const search = (resourceType: string): FhirInteraction => ({ kind: 'search-type', resourceType });
const read = (resourceType: string, id = 'x'): FhirInteraction => ({
  kind: 'read',
  resourceType,
  id,
});
const create = (resourceType: string): FhirInteraction => ({ kind: 'create', resourceType });

describe('HEART FHIR scope grammar', () => {
  it('HFO-1 parses permission/Type.access into its three parts', () => {
    const { grants } = parseScopes('patient/Observation.read');
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ permission: 'patient', type: 'Observation' });
    expect([...(grants[0]?.letters ?? [])].sort()).toEqual(['r', 's']);
  });

  it('HFO-4 takes an R4 type name or * and nothing else as the resource type', () => {
    expect(parseScopes('patient/*.read').grants[0]?.type).toBe('*');
    expect(parseScopes('patient/observation.read').grants).toHaveLength(0);
    expect(parseScopes('patient/Obs-ervation.read').grants).toHaveLength(0);
  });

  it('HFO-6 HFO-7 HFO-8 maps read, write and * to SMART v2 letters', () => {
    const letters = (scope: string) => [...(parseScopes(scope).grants[0]?.letters ?? [])].sort();
    expect(letters('user/Condition.read')).toEqual(['r', 's']);
    expect(letters('user/Condition.write')).toEqual(['c', 'd', 'u']);
    expect(letters('user/Condition.*')).toEqual(['c', 'd', 'r', 's', 'u']);
    expect(letters('user/Condition.cruds')).toEqual(['c', 'd', 'r', 's', 'u']);
    expect(letters('patient/Observation.rs')).toEqual(['r', 's']);
  });

  it('HFO-18 grants nothing for unknown permission or access types, letters out of order, system/ and constraints', () => {
    for (const scope of [
      'foo/Observation.read',
      'patient/Observation.frobnicate',
      'patient/Observation.delete',
      'patient/Observation.sr',
      'system/*.read',
      'system/*.rs',
      'patient/Observation.rs?category=laboratory',
      'launch/patient openid fhirUser offline_access',
    ]) {
      expect(parseScopes(scope).grants, scope).toHaveLength(0);
    }
  });

  it('reads the SMART URI form as its short form', () => {
    const { grants } = parseScopes('http://smarthealthit.org/fhir/scopes/patient/*.read');
    expect(grants[0]).toMatchObject({ permission: 'patient', type: '*', scope: 'patient/*.read' });
  });

  it('HFO-13 accepts v3 confidentiality codes and only listed sensitivity codes clear labels', () => {
    const parsed = parseScopes('conf/V conf/Q sens/NOTACODE sens/PSY');
    expect([...parsed.confidentiality]).toEqual(['V']);
    const denied = deniedLabels(parsed);
    expect(denied).not.toContain(`${CONFIDENTIALITY_SYSTEM}|V`);
    expect(denied).not.toContain(`${SENSITIVITY_SYSTEM}|PSY`);
    expect(denied).toContain(`${SENSITIVITY_SYSTEM}|TBOO`);
    expect(denied.some((label) => label.endsWith('|NOTACODE'))).toBe(false);
  });
});

describe('RecordScope from a granted scope set', () => {
  it('HFO-1 HFO-17 patient/Observation.read @example searches only example', () => {
    const { read } = allowed(decide('patient/Observation.read', search('Observation'), 'example'));
    expect(typesOf(read)).toEqual(['Observation']);
    expect(read.patients).toEqual(['example']);
  });

  it('HFO-2 a user/ scope reaches every record the account owns', () => {
    const { read } = allowed(decide('user/Observation.read', search('Observation')));
    expect([...read.patients].sort()).toEqual(['example', 'pat1']);
  });

  it('HFO-3 a patient/ scope without a patient claim grants nothing', () => {
    const decision = decide('patient/*.read', read('Observation'));
    expect(decision).toEqual({ allowed: false, needed: 'user/Observation.read' });
  });

  it('HFO-4 patient/*.read covers Condition and Immunization', () => {
    for (const type of ['Condition', 'Immunization']) {
      const { read: scope } = allowed(decide('patient/*.read', search(type), 'example'));
      expect(scope.types).toBe('*');
      expect(scope.patients).toEqual(['example']);
    }
  });

  it('HFO-5 a scope naming one type grants nothing on another', () => {
    const decision = decide('patient/Observation.read', search('Condition'), 'example');
    expect(decision).toEqual({ allowed: false, needed: 'patient/Condition.read' });
  });

  it('HFO-6 read opens read and search but no write', () => {
    allowed(decide('patient/Observation.read', read('Observation'), 'example'));
    allowed(
      decide('patient/Observation.read', { kind: 'vread', resourceType: 'Observation' }, 'example'),
    );
    const refused = decide('patient/Observation.read', create('Observation'), 'example');
    expect(refused).toEqual({ allowed: false, needed: 'patient/Observation.write' });
  });

  it('HFO-7 write opens create, update, patch and delete but not read', () => {
    for (const kind of ['create', 'update', 'patch', 'delete'] as const) {
      const { write } = allowed(
        decide('patient/Observation.write', { kind, resourceType: 'Observation' }, 'example'),
      );
      expect(write.patients).toEqual(['example']);
    }
    expect(decide('patient/Observation.write', read('Observation'), 'example').allowed).toBe(false);
  });

  it('HFO-8 * as the access type opens read and write', () => {
    allowed(decide('patient/Observation.*', create('Observation'), 'example'));
    allowed(decide('patient/Observation.*', read('Observation'), 'example'));
    allowed(
      decide('patient/Observation.*', { kind: 'delete', resourceType: 'Observation' }, 'example'),
    );
  });

  it('HFO-9 under a patient/ scope, writes reach only the bound compartment and no reference data', () => {
    const { write } = allowed(decide('patient/*.*', create('Observation'), 'example'));
    expect(write.patients).toEqual(['example']);
    expect(decide('patient/*.*', create('Practitioner'), 'example').allowed).toBe(false);
    // Reference data stays readable under any read scope that names the type or *.
    allowed(decide('patient/*.read', read('Practitioner'), 'example'));
  });

  it('never widens: a type joins only where its own grant reaches every patient in reach', () => {
    const { read: scope } = allowed(
      decide('user/Observation.read patient/Condition.read', search('Observation'), 'example'),
    );
    expect([...scope.patients].sort()).toEqual(['example', 'pat1']);
    expect(typesOf(scope)).toEqual(['Observation']);
  });

  it('HFO-12 HFO-15 without conf/ or sens/ scopes, labelled data is denied', () => {
    const { read: scope } = allowed(decide('patient/*.read', search('Condition'), 'f201'));
    expect(scope.deniedLabels).toContain(`${CONFIDENTIALITY_SYSTEM}|R`);
    expect(scope.deniedLabels).toContain(`${CONFIDENTIALITY_SYSTEM}|V`);
    expect(scope.deniedLabels).toContain(`${SENSITIVITY_SYSTEM}|TBOO`);
    expect(scope.deniedLabels).not.toContain(`${CONFIDENTIALITY_SYSTEM}|N`);
  });

  it('HFO-11 HFO-12 conf/R clears R but not V; sens/TBOO clears TBOO', () => {
    const { read: scope } = allowed(
      decide('patient/*.read conf/R sens/TBOO', search('Condition'), 'f201'),
    );
    expect(scope.deniedLabels).not.toContain(`${CONFIDENTIALITY_SYSTEM}|R`);
    expect(scope.deniedLabels).toContain(`${CONFIDENTIALITY_SYSTEM}|V`);
    expect(scope.deniedLabels).not.toContain(`${SENSITIVITY_SYSTEM}|TBOO`);
  });

  it('HFO-14 btg lifts the label filter but not the scope or reach checks', () => {
    const { read: scope } = allowed(decide('patient/*.read btg', search('Condition'), 'f201'));
    expect(scope.deniedLabels).toEqual([]);
    expect(scope.patients).toEqual(['f201']);
    expect(decide('patient/Observation.read btg', search('Condition'), 'f201').allowed).toBe(false);
  });

  it('a user/ scope of an account that owns nothing covers the type with an empty reach', () => {
    const { read: scope } = allowed(decide('user/*.read', search('Observation'), undefined, []));
    expect(scope.patients).toEqual([]);
  });

  it('capabilities need no scope; batch and transaction give nothing until each entry is authorized', () => {
    for (const kind of ['capabilities', 'batch', 'transaction'] as const) {
      const { read: r, write: w } = allowed(decide('', { kind }));
      expect(typesOf(r)).toEqual([]);
      expect(typesOf(w)).toEqual([]);
    }
  });
});
