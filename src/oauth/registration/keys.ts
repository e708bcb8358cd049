import { fetchJson, SafeFetchError } from '../../util/safe-fetch.js';
import { validateClientJwks } from '../client-keys.js';
import { OAuthError } from '../errors.js';
import { invalidMetadata, readString } from './fields.js';
import type { MetadataValidator } from './metadata-validators.js';

/**
 * The client's public keys (HEART OAuth §2.2.4). A `private_key_jwt` client must give them,
 * inline as `jwks` or by reference as `jwks_uri`, never both (RFC 7591 §2). Either way they must
 * form a JWK Set of public asymmetric keys, RSA ≥ 2048 bits (validateClientJwks). A `jwks_uri`
 * is fetched now through safe-fetch so an unreachable or malformed one fails at registration
 * (OA-CK-2, OA-CK-5); the token endpoint fetches it again when it meets an unknown `kid`
 * (clientKeys in clients.ts), which is what makes rotation there work (OA-CK-3).
 * Public clients (`none`) may still register keys, e.g. for signed request objects.
 */
export const keysValidator: MetadataValidator = {
  name: 'jwks',
  async validate(input, draft, { kardia }) {
    const inline = input.jwks ?? undefined;
    const uri = readString(input, 'jwks_uri');

    if (inline !== undefined && uri !== undefined) {
      throw invalidMetadata('jwks and jwks_uri must not both be given');
    }
    if (inline === undefined && uri === undefined) {
      if (draft.authMethod === 'private_key_jwt') {
        throw invalidMetadata('private_key_jwt clients must register jwks or jwks_uri');
      }
      return;
    }

    if (inline !== undefined) {
      draft.jwks = await validateClientJwks(inline);
      draft.metadata.jwks = draft.jwks;
      return;
    }

    const location = uri as string;
    let document: unknown;
    try {
      document = await fetchJson(location, { allowLoopback: kardia.settings.allowLoopbackFetch });
    } catch (error) {
      const reason = error instanceof SafeFetchError ? error.reason : 'network';
      throw new OAuthError('invalid_client_metadata', 'jwks_uri did not serve a JWK Set', {
        detail: `jwks_uri fetch refused or failed: ${reason}`,
      });
    }
    try {
      await validateClientJwks(document);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      throw invalidMetadata(`jwks_uri must serve a JWK Set: ${error.description}`);
    }
    draft.jwksUri = location;
    draft.metadata.jwks_uri = location;
  },
};
