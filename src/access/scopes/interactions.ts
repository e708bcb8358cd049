import type { FhirInteraction } from '../../fhir/access-port.js';
import type { AccessLetter } from './grammar.js';

/**
 * Which SMART v2 letter each FHIR interaction needs (heart-fhir.md 1.3 and 1.5, Kardia's reading
 * after SMART v1): `r` read, vread, instance history; `s` search and type history; `c` create;
 * `u` update and patch; `d` delete. Capabilities need no scope. A batch or transaction needs a
 * valid token only; each of its entries is authorized on its own (heart-fhir.md 1.4 step 3).
 */
export const INTERACTION_LETTERS: Readonly<
  Record<FhirInteraction['kind'], AccessLetter | undefined>
> = {
  read: 'r',
  vread: 'r',
  'history-instance': 'r',
  'search-type': 's',
  'search-compartment': 's',
  'history-type': 's',
  create: 'c',
  update: 'u',
  patch: 'u',
  delete: 'd',
  capabilities: undefined,
  transaction: undefined,
  batch: undefined,
};

export const isWriteLetter = (letter: AccessLetter): boolean =>
  letter === 'c' || letter === 'u' || letter === 'd';

/** The HEART (SMART v1) access type that holds a letter, for `scope="..."` hints. */
export const accessTypeOf = (letter: AccessLetter): 'read' | 'write' =>
  isWriteLetter(letter) ? 'write' : 'read';
