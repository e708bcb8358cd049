import type { AuthMethod } from '../clients.js';
import { SIGNING_ALGORITHMS } from '../client-auth.js';
import { invalidMetadata, readString } from './fields.js';
import { UMA_TICKET_GRANT } from './grant-set.js';
import type { MetadataValidator } from './metadata-validators.js';

/**
 * Token endpoint authentication (HEART OAuth §2.2.2, spec/README.md "Secrets"): no client ever
 * has a secret. Code clients default to `private_key_jwt` (their keys are then required, see
 * keys.ts); public native code clients may choose `none` and must then use PKCE; implicit clients
 * never authenticate (`none`). UMA clients always use `private_key_jwt` (heart-uma2.md 3.10).
 */
const SECRET_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'];

export const authMethodValidator: MetadataValidator = {
  name: 'token_endpoint_auth_method',
  validate(input, draft) {
    const implicit = draft.grantTypes.includes('implicit');
    const requested = readString(input, 'token_endpoint_auth_method', 100);

    if (requested !== undefined && SECRET_METHODS.includes(requested)) {
      // HEART OAuth §2.2.2 (OA-NC-12): clients authenticate with their key and nothing else.
      throw invalidMetadata(`${requested} is not allowed: HEART clients have no secret`);
    }
    if (requested !== undefined && requested !== 'private_key_jwt' && requested !== 'none') {
      throw invalidMetadata('token_endpoint_auth_method must be private_key_jwt or none');
    }
    const method: AuthMethod =
      (requested as AuthMethod | undefined) ?? (implicit ? 'none' : 'private_key_jwt');

    if (implicit && method !== 'none') {
      throw invalidMetadata('implicit clients do not authenticate: use none');
    }
    if (draft.grantTypes.includes(UMA_TICKET_GRANT) && method !== 'private_key_jwt') {
      throw invalidMetadata('UMA clients authenticate with private_key_jwt');
    }

    const alg = readString(input, 'token_endpoint_auth_signing_alg', 20);
    if (alg !== undefined) {
      if (method !== 'private_key_jwt') {
        throw invalidMetadata('token_endpoint_auth_signing_alg needs private_key_jwt');
      }
      if (!(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
        throw invalidMetadata(
          `token_endpoint_auth_signing_alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`,
        );
      }
      draft.metadata.token_endpoint_auth_signing_alg = alg;
    }

    draft.authMethod = method;
    draft.metadata.token_endpoint_auth_method = method;
  },
};
