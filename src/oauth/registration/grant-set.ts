import { invalidMetadata, readStringArray } from './fields.js';
import type { MetadataValidator } from './metadata-validators.js';

export const UMA_TICKET_GRANT = 'urn:ietf:params:oauth:grant-type:uma-ticket';

/**
 * The grant sets a client may register (spec/heart-oauth2.md "Allowed grant sets", HEART OAuth
 * §3.1.1; UMA clients per spec/heart-uma2.md HU-12 and Part 3.1):
 * - `authorization_code`, optionally with `refresh_token`, response type `code`;
 * - `implicit` alone, response type `token` (HEART OAuth §2.1.3: never a refresh token);
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

/** RFC 7591 §2.1: the response types that go with each grant type. */
const responseTypesFor = (grants: string[]): string[] => [
  ...(grants.includes('authorization_code') ? ['code'] : []),
  ...(grants.includes('implicit') ? ['token'] : []),
];

export const grantSetValidator: MetadataValidator = {
  name: 'grant_types',
  validate(input, draft) {
    const responseTypes = readStringArray(input, 'response_types', 4);
    // RFC 7591 §2: grant_types defaults to authorization_code; a client that names only
    // response_types ["token"] clearly means the implicit grant.
    const implied = sameSet(responseTypes ?? [], ['token']) ? ['implicit'] : ['authorization_code'];
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

    const expected = responseTypesFor(grants);
    const given = responseTypes === undefined ? expected : [...new Set(responseTypes)];
    if (!sameSet(given, expected)) {
      throw invalidMetadata('response_types do not match grant_types');
    }

    draft.grantTypes = grants;
    draft.responseTypes = expected;
    draft.metadata.grant_types = grants;
    draft.metadata.response_types = expected;
  },
};
