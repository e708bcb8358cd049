/**
 * `acr` values Kardia can report (OIDC Core §2), for clients that do not use Vectors of Trust.
 * A password login is the only authentication Kardia performs, so there is one value.
 */
export const ACR_PASSWORD = 'urn:kardia:acr:password';
export const ACR_VALUES = [ACR_PASSWORD] as const;

/**
 * HEART OIDC §3.4 (Kardia's reading, OIDC-ID-14): `acr` is given only when the client asked for
 * it by `acr_values` (or registered `default_acr_values`) and Kardia meets one of them; it is
 * left out whenever `vtr` was used.
 */
export function chooseAcr(requested: string[]): string | undefined {
  return requested.find((value) => (ACR_VALUES as readonly string[]).includes(value));
}
