import { invalidMetadata, type MetadataInput, readStringArray } from './fields.js';
import type { MetadataValidator } from './metadata-validators.js';

export const UMA_TICKET_GRANT = 'urn:ietf:params:oauth:grant-type:uma-ticket';

/**
 * The grant sets a client may register (spec/heart-oauth2.md "Allowed grant sets", HEART OAuth
 * §3.1.1; UMA clients per spec/heart-uma2.md HU-12 and Part 3.1):
 * - `authorization_code`, optionally with `refresh_token`, response type `code`;
 * - `implicit` alone, response types among `implicitResponseTypes` (HEART OAuth §2.1.3: never a
 *   refresh token);
 * - the UMA grant, optionally with `refresh_token`, alone or added to `authorization_code`
 *   (an RS obtaining PATs), no response type of its own.
 * `client_credentials` is static registration only (§2.1.4, §3.1.3) and `password` is never
 * allowed (§2.1); any other grant type or mix is refused.
 */
const ALLOWED_SETS: readonly (readonly string[])[] = [
  ['authorization_code'],
  ['authorization_code', 'refresh_token'],
  ['implicit'],
  [UMA_TICKET_GRANT],
  [UMA_TICKET_GRANT, 'refresh_token'],
  ['authorization_code', UMA_TICKET_GRANT],
  ['authorization_code', UMA_TICKET_GRANT, 'refresh_token'],
];

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((v) => b.includes(v));

/**
 * RFC 7591 §2.1: the response types of the implicit grant, each a fragment response from
 * /authorize. The OpenID provider adds `id_token token` and `id_token` (OIDC Registration §2);
 * a client registers any of them, and the grant set stays `implicit`.
 */
export const implicitResponseTypes: string[] = ['token'];

/**
 * RFC 6749 §3.1.1: a response type with spaces is a list whose order does not matter, so each
 * is compared in one spelling: its words sorted (`token id_token` is `id_token token`).
 */
export const canonicalResponseType = (value: string): string => value.split(' ').sort().join(' ');

const onlyImplicit = (types: string[]): boolean =>
  types.length > 0 && types.every((type) => implicitResponseTypes.includes(type));

/** The response types a registration names, each in its canonical spelling, without repeats. */
function readResponseTypes(input: MetadataInput): string[] | undefined {
  const types = readStringArray(input, 'response_types', 4);
  return types && [...new Set(types.map(canonicalResponseType))];
}

export const grantSetValidator: MetadataValidator = {
  name: 'grant_types',
  validate(input, draft) {
    const responseTypes = readResponseTypes(input);
    // RFC 7591 §2: grant_types defaults to authorization_code; a client that names only
    // implicit response types (["token"], ["id_token"]...) clearly means the implicit grant.
    const implied = onlyImplicit(responseTypes ?? []) ? ['implicit'] : ['authorization_code'];
    const grants = [...new Set(readStringArray(input, 'grant_types', 8) ?? implied)];

    if (grants.includes('client_credentials')) {
      throw invalidMetadata('client_credentials clients are registered by an administrator only');
    }
    if (grants.includes('password')) throw invalidMetadata('the password grant is not allowed');
    if (!ALLOWED_SETS.some((set) => sameSet(set, grants))) {
      throw invalidMetadata(
        'grant_types must be one HEART grant set: authorization_code (with refresh_token), ' +
          'implicit, or the UMA grant (with refresh_token)',
      );
    }

    const types = grants.includes('implicit')
      ? implicitTypes(responseTypes)
      : codeTypes(grants, responseTypes);
    draft.grantTypes = grants;
    draft.responseTypes = types;
    draft.metadata.grant_types = grants;
    draft.metadata.response_types = types;
  },
};

/** An implicit client: `token` by default, else any non-empty choice of implicit types. */
function implicitTypes(given: string[] | undefined): string[] {
  if (given === undefined) return ['token'];
  if (!onlyImplicit(given)) throw invalidMetadata('response_types do not match grant_types');
  return given;
}

/** The other grant sets: `code` exactly with authorization_code, and none for the UMA grant. */
function codeTypes(grants: string[], given: string[] | undefined): string[] {
  const expected = grants.includes('authorization_code') ? ['code'] : [];
  if (given !== undefined && !sameSet(given, expected)) {
    throw invalidMetadata('response_types do not match grant_types');
  }
  return expected;
}
