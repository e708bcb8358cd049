// Part of the build: writes the R4 StructureDefinitions of the served resource types to
// dist/r4-served-profiles.json (src/fhir/definitions/served-profiles.ts says why).
import { profiledTypes } from '../dist/fhir/definitions/load.js';
import { writeServedProfiles } from '../dist/fhir/definitions/served-profiles.js';

writeServedProfiles(profiledTypes());
