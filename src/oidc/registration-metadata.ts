import {
  invalidMetadata,
  type MetadataInput,
  readString,
  readStringArray,
} from '../oauth/registration/fields.js';
import type { ClientDraft, MetadataValidator } from '../oauth/registration/metadata-validators.js';
import { redirectUriKind } from '../oauth/registration/redirect-uris.js';
import { OAuthError } from '../oauth/errors.js';
import { fetchJson, SafeFetchError } from '../util/safe-fetch.js';
import { ACR_VALUES } from './authentication-context.js';
import {
  CONTENT_ENCRYPTION,
  DEFAULT_CONTENT_ENCRYPTION,
  ENCRYPTION_ALGORITHMS,
  encryptionJwk,
} from './client-encryption.js';
import { ID_TOKEN_SIGNING_ALGORITHMS } from './id-token.js';
import { REQUEST_OBJECT_SIGNING_ALGORITHMS } from './request-object.js';

function readOneOf(input: MetadataInput, field: string, allowed: readonly string[]) {
  const value = readString(input, field, 100);
  if (value !== undefined && !allowed.includes(value)) {
    throw invalidMetadata(`${field} must be one of ${allowed.join(', ')}`);
  }
  return value;
}

/** Signing algorithms for ID tokens, UserInfo and request objects (OIDC Registration §2). */
export const signingAlgorithmsValidator: MetadataValidator = {
  name: 'oidc_signing_algorithms',
  validate(input, draft) {
    const fields = {
      id_token_signed_response_alg: ID_TOKEN_SIGNING_ALGORITHMS,
      userinfo_signed_response_alg: ID_TOKEN_SIGNING_ALGORITHMS,
      request_object_signing_alg: REQUEST_OBJECT_SIGNING_ALGORITHMS,
    };
    for (const [field, allowed] of Object.entries(fields)) {
      const value = readOneOf(input, field, allowed);
      if (value !== undefined) draft.metadata[field] = value;
    }
  },
};

/**
 * `*_encrypted_response_alg` / `_enc` (OIDC Registration §2): `_enc` needs `_alg` and defaults
 * to A128CBC-HS256, and the client's inline key set must hold an RSA key fit for encryption.
 */
export const encryptionValidator: MetadataValidator = {
  name: 'oidc_encryption',
  validate(input, draft) {
    for (const prefix of ['id_token_encrypted_response', 'userinfo_encrypted_response']) {
      readPair(input, draft, `${prefix}_alg`, `${prefix}_enc`, true);
    }
    readPair(input, draft, 'request_object_encryption_alg', 'request_object_encryption_enc', false);
  },
};

function readPair(
  input: MetadataInput,
  draft: ClientDraft,
  algField: string,
  encField: string,
  toClient: boolean,
) {
  const alg = readOneOf(input, algField, ENCRYPTION_ALGORITHMS);
  const enc = readOneOf(input, encField, CONTENT_ENCRYPTION);
  if (alg === undefined) {
    if (enc !== undefined) throw invalidMetadata(`${encField} requires ${algField}`);
    return;
  }
  if (toClient && !draft.jwksUri && !encryptionJwk(draft.jwks, alg)) {
    throw invalidMetadata(`${algField} needs an RSA encryption key in jwks`);
  }
  draft.metadata[algField] = alg;
  draft.metadata[encField] = enc ?? DEFAULT_CONTENT_ENCRYPTION;
}

/**
 * OIDC Core §8 and Registration §5: `subject_type` public (the default) or pairwise. A pairwise
 * client's sector is its `sector_identifier_uri`, an https document listing every redirect URI
 * of the client; without one, its redirect URIs must share one host (spec: Kardia's choices).
 */
export const subjectTypeValidator: MetadataValidator = {
  name: 'subject_type',
  async validate(input, draft, { kardia }) {
    const subjectType = readOneOf(input, 'subject_type', ['public', 'pairwise']) ?? 'public';
    draft.metadata.subject_type = subjectType;
    const sectorUri = readString(input, 'sector_identifier_uri');
    if (sectorUri !== undefined) {
      await checkSectorDocument(sectorUri, draft.redirectUris, kardia.settings.allowLoopbackFetch);
      draft.metadata.sector_identifier_uri = sectorUri;
      return;
    }
    if (subjectType !== 'pairwise') return;
    const hosts = new Set(draft.redirectUris.map((uri) => new URL(uri).host));
    if (hosts.size !== 1) {
      throw invalidMetadata(
        'a pairwise client with redirect URIs on several hosts needs a sector_identifier_uri',
      );
    }
  },
};

async function checkSectorDocument(uri: string, redirectUris: string[], allowLoopback: boolean) {
  if (!URL.canParse(uri) || (new URL(uri).protocol !== 'https:' && !allowLoopback)) {
    throw invalidMetadata('sector_identifier_uri must be an https URL');
  }
  let document: unknown;
  try {
    document = await fetchJson(uri, { allowLoopback });
  } catch (error) {
    const reason = error instanceof SafeFetchError ? error.reason : 'network';
    throw new OAuthError('invalid_client_metadata', 'sector_identifier_uri could not be read', {
      detail: `sector_identifier_uri fetch refused or failed: ${reason}`,
    });
  }
  if (!Array.isArray(document) || !document.every((v) => typeof v === 'string')) {
    throw invalidMetadata('sector_identifier_uri must serve a JSON array of URIs');
  }
  const listed = document as string[];
  if (!redirectUris.every((uri) => listed.includes(uri))) {
    throw invalidMetadata('sector_identifier_uri does not list every redirect URI of the client');
  }
}

/**
 * Session-related metadata: `post_logout_redirect_uris` (RP-Initiated Logout §3.1, the same
 * kinds of URI as redirect URIs), `default_max_age`, `require_auth_time`, `default_acr_values`,
 * and `request_uris` (only these may then be used as `request_uri`).
 */
export const sessionMetadataValidator: MetadataValidator = {
  name: 'oidc_session',
  validate(input, draft) {
    const logoutUris = readStringArray(input, 'post_logout_redirect_uris');
    if (logoutUris) {
      if (!logoutUris.every((uri) => redirectUriKind(uri) !== undefined)) {
        throw invalidMetadata('post_logout_redirect_uris must be https, loopback or app URIs');
      }
      draft.metadata.post_logout_redirect_uris = logoutUris;
    }
    const maxAge = input.default_max_age;
    if (maxAge !== undefined && maxAge !== null) {
      if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0 || maxAge > 1e9) {
        throw invalidMetadata('default_max_age must be a whole number of seconds');
      }
      draft.metadata.default_max_age = maxAge;
    }
    const authTime = input.require_auth_time;
    if (authTime !== undefined && authTime !== null) {
      if (typeof authTime !== 'boolean') throw invalidMetadata('require_auth_time is a boolean');
      draft.metadata.require_auth_time = authTime;
    }
    const acrValues = readStringArray(input, 'default_acr_values');
    if (acrValues) {
      if (!acrValues.every((v) => (ACR_VALUES as readonly string[]).includes(v))) {
        throw invalidMetadata(`default_acr_values must be among ${ACR_VALUES.join(', ')}`);
      }
      draft.metadata.default_acr_values = acrValues;
    }
    const requestUris = readStringArray(input, 'request_uris');
    if (requestUris) {
      if (!requestUris.every((uri) => URL.canParse(uri))) {
        throw invalidMetadata('request_uris must be absolute URLs');
      }
      draft.metadata.request_uris = requestUris;
    }
  },
};

export const OIDC_METADATA_VALIDATORS = [
  signingAlgorithmsValidator,
  encryptionValidator,
  subjectTypeValidator,
  sessionMetadataValidator,
];
