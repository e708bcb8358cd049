import { describe, expect, it } from 'vitest';
import { profiledTypes } from '../../src/fhir/definitions/load.js';
import { servedProfiles } from '../../src/fhir/definitions/served-profiles.js';

/**
 * The validator's StructureDefinitions come from the build's small copy when it fits, and from
 * Medplum's full set otherwise (src/fhir/definitions/served-profiles.ts): the same either way.
 */
const names = (types: readonly string[]) =>
  (servedProfiles(types).entry ?? []).map((e) => e.resource?.name).sort();

describe('served StructureDefinitions', () => {
  it('holds exactly one definition of each served type', () => {
    expect(names(profiledTypes())).toEqual([...profiledTypes()].sort());
  });

  it('reads the full set when the wanted types are not the ones the copy holds', () => {
    const wanted = [...profiledTypes(), 'Account'];
    expect(names(wanted)).toEqual([...wanted].sort());
    expect(names(['Patient'])).toEqual(['Patient']);
  });
});
