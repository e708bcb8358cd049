import { responseModes } from '../oauth/authorize/check-response-type.js';
import { extendMetadata } from '../oauth/endpoints/discovery.js';
import type { Kardia } from '../server/context.js';
import { SUPPORTED_CLAIMS } from './claims.js';
import { CONTENT_ENCRYPTION, ENCRYPTION_ALGORITHMS } from './client-encryption.js';
import { ID_TOKEN_SIGNING_ALGORITHMS } from './id-token.js';
import { ACR_VALUES } from './authentication-context.js';
import { REQUEST_OBJECT_SIGNING_ALGORITHMS } from './request-object.js';
import { PROMPT_VALUES } from './prompt.js';
import { supportedVectorValues } from './vectors-of-trust.js';

/**
 * The OpenID provider's discovery fields (OIDC Discovery §3, HEART OIDC §3.5, OIDC-DS-1):
 * only what Kardia serves, each list drawn from the constant the code itself enforces.
 */
export function openIdProviderMetadata(kardia: Kardia): Record<string, unknown> {
  const encryptionAlgs = [...ENCRYPTION_ALGORITHMS];
  const encryptionEncs = [...CONTENT_ENCRYPTION];
  return {
    userinfo_endpoint: kardia.urls.userinfo,
    end_session_endpoint: kardia.urls.endSession,
    // HEART OIDC "Kardia's choices": `id_token token` and `id_token` once /authorize answers them.
    response_types_supported: Object.keys(responseModes),
    subject_types_supported: ['public', 'pairwise'],
    id_token_signing_alg_values_supported: [...ID_TOKEN_SIGNING_ALGORITHMS],
    id_token_encryption_alg_values_supported: encryptionAlgs,
    id_token_encryption_enc_values_supported: encryptionEncs,
    userinfo_signing_alg_values_supported: [...ID_TOKEN_SIGNING_ALGORITHMS],
    userinfo_encryption_alg_values_supported: encryptionAlgs,
    userinfo_encryption_enc_values_supported: encryptionEncs,
    request_object_signing_alg_values_supported: [...REQUEST_OBJECT_SIGNING_ALGORITHMS],
    request_object_encryption_alg_values_supported: encryptionAlgs,
    request_object_encryption_enc_values_supported: encryptionEncs,
    request_parameter_supported: true,
    request_uri_parameter_supported: true,
    require_request_uri_registration: false,
    claims_parameter_supported: false,
    claim_types_supported: ['normal'],
    claims_supported: SUPPORTED_CLAIMS,
    acr_values_supported: [...ACR_VALUES],
    vot_values_supported: supportedVectorValues(),
    prompt_values_supported: [...PROMPT_VALUES],
    display_values_supported: ['page'],
  };
}

export function registerOpenIdDiscovery(): void {
  extendMetadata(openIdProviderMetadata);
}
