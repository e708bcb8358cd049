/**
 * String search compares case- and accent-insensitively (R4 search.html §3.1.1.4.7): values are
 * stored and searched lower case, in NFD with the combining marks removed.
 */
export function normalizeText(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
