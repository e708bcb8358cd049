import type { JSONWebKeySet } from 'jose';
import type { Kardia } from '../../server/context.js';
import type { AuthMethod, Client } from '../clients.js';
import { authMethodValidator } from './auth-method.js';
import { claimsRedirectUrisValidator } from './claims-redirect-uris.js';
import { clientInfoValidator } from './client-info.js';
import type { MetadataInput } from './fields.js';
import { grantSetValidator } from './grant-set.js';
import { keysValidator } from './keys.js';
import { redirectUrisValidator } from './redirect-uris.js';
import { scopeValidator } from './scope-limits.js';

/**
 * The client being registered, filled in by the validators in order. `metadata` is what is
 * stored and answered to the client: a field no validator accepted is dropped, as RFC 7591 §2
 * asks of metadata the server does not understand.
 */
export interface ClientDraft {
  grantTypes: string[];
  responseTypes: string[];
  authMethod: AuthMethod;
  redirectUris: string[];
  jwks: JSONWebKeySet | null;
  jwksUri: string | null;
  scope: string;
  clientName: string | null;
  metadata: Record<string, unknown>;
}

export interface ValidationContext {
  kardia: Kardia;
  /** Only dynamic registrations pass through these validators (RFC 7591 and RFC 7592). */
  registration: 'dynamic';
  /** The client as stored, when an RFC 7592 update replaces its metadata. */
  previous?: Client;
}

/** One rule about one or a few related metadata fields. */
export interface MetadataValidator {
  /** Unique name; adding a validator of the same name replaces it. */
  name: string;
  validate(
    input: MetadataInput,
    draft: ClientDraft,
    context: ValidationContext,
  ): void | Promise<void>;
}

/**
 * The validators in the order they run: later ones read what earlier ones decided (the keys rule
 * needs the auth method, which needs the grant set). Other areas (the OpenID provider's
 * `id_token_signed_response_alg`, `sector_identifier_uri`...) append theirs with
 * `addMetadataValidator`, so they run after these and may read the redirect URIs.
 */
const validators: MetadataValidator[] = [
  grantSetValidator,
  authMethodValidator,
  keysValidator,
  redirectUrisValidator,
  claimsRedirectUrisValidator,
  scopeValidator,
  clientInfoValidator,
];

export function addMetadataValidator(validator: MetadataValidator): void {
  const at = validators.findIndex((v) => v.name === validator.name);
  if (at >= 0) validators[at] = validator;
  else validators.push(validator);
}

/** Runs every validator over the request's metadata; the first broken rule is thrown. */
export async function validateClientMetadata(
  input: MetadataInput,
  context: ValidationContext,
): Promise<ClientDraft> {
  const draft: ClientDraft = {
    grantTypes: [],
    responseTypes: [],
    authMethod: 'none',
    redirectUris: [],
    jwks: null,
    jwksUri: null,
    scope: '',
    clientName: null,
    metadata: {},
  };
  for (const validator of validators) await validator.validate(input, draft, context);
  return draft;
}
