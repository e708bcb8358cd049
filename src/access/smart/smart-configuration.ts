import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../../oauth/errors.js';
import { SPECIAL_SCOPES } from '../scopes/labels.js';
import { type AsMetadata, AsUnavailable, type TrustedAs } from '../token/trusted-as.js';

/** Clients may keep the document for an hour. */
const CACHE = 'public, max-age=3600';

/**
 * The resource scopes advertised: HEART / SMART v1 wildcards and their SMART v2 letter forms
 * (heart-fhir.md 1.5). Type-specific scopes (`patient/Observation.read`) work as well.
 */
const RESOURCE_SCOPES = ['patient', 'user'].flatMap((permission) =>
  ['read', 'write', '*', 'rs', 'cud', 'cruds'].map((access) => `${permission}/*.${access}`),
);

/** Context and identity scopes the launch understands (SMART App Launch 2.x). */
const LAUNCH_SCOPES = ['launch/patient', 'fhirUser', 'openid', 'offline_access'];

/**
 * `[base]/.well-known/smart-configuration` (SMART App Launch 2.x §"SMART configuration",
 * heart-fhir.md 1.6 OA-PR-3, HFO-10): where the trusted AS's endpoints are, and which scopes and
 * capabilities this RS understands, special HEART scopes included. The endpoints come from the
 * AS's own discovery document, read over HTTP like any protected resource would.
 */
export function registerSmartConfiguration(
  app: FastifyInstance,
  fhirPath: string,
  as: TrustedAs,
): void {
  app.get(`${fhirPath}/.well-known/smart-configuration`, async (_request, reply) => {
    let metadata: AsMetadata;
    try {
      metadata = await as.metadata();
    } catch (error) {
      if (!(error instanceof AsUnavailable)) throw error;
      throw new OAuthError('temporarily_unavailable', 'the authorization server is unavailable', {
        detail: error.message,
      });
    }
    return reply
      .header('cache-control', CACHE)
      .header('access-control-allow-origin', '*')
      .type('application/json')
      .send(smartConfiguration(metadata));
  });
}

export function smartConfiguration(metadata: AsMetadata): Record<string, unknown> {
  const list = (name: string): string[] =>
    Array.isArray(metadata[name]) ? (metadata[name] as unknown[]).map(String) : [];
  const grants = list('grant_types_supported');
  const authMethods = list('token_endpoint_auth_methods_supported');
  const openid = typeof metadata.userinfo_endpoint === 'string';
  const capabilities = [
    'launch-standalone',
    'context-standalone-patient',
    'permission-patient',
    'permission-user',
    'permission-v1',
    'permission-v2',
    ...(authMethods.includes('private_key_jwt') ? ['client-confidential-asymmetric'] : []),
    ...(authMethods.includes('none') ? ['client-public'] : []),
    ...(grants.includes('refresh_token') ? ['permission-offline'] : []),
    ...(openid ? ['sso-openid-connect'] : []),
  ];
  const copied = [
    'issuer',
    'jwks_uri',
    'authorization_endpoint',
    'token_endpoint',
    'introspection_endpoint',
    'revocation_endpoint',
    'registration_endpoint',
    'userinfo_endpoint',
  ];
  return {
    ...Object.fromEntries(
      copied.flatMap((name) => (name in metadata ? [[name, metadata[name]]] : [])),
    ),
    grant_types_supported: grants.filter(
      (g) => g === 'authorization_code' || g === 'client_credentials',
    ),
    token_endpoint_auth_methods_supported: authMethods,
    token_endpoint_auth_signing_alg_values_supported: list(
      'token_endpoint_auth_signing_alg_values_supported',
    ),
    response_types_supported: ['code'],
    // HEART OAuth §3.1.7: S256 only.
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [...LAUNCH_SCOPES, ...RESOURCE_SCOPES, ...SPECIAL_SCOPES],
    capabilities,
  };
}
