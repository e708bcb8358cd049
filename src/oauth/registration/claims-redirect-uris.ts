import { invalidMetadata, readStringArray } from './fields.js';
import type { MetadataValidator } from './metadata-validators.js';
import { redirectUriKind } from './redirect-uris.js';

/**
 * UMA grant §2 (UMA-REG-1, HU-14): `claims_redirect_uris`, where the AS returns the requesting
 * party after claims gathering. Kept apart from `redirect_uris` (UMA-REG-3) and echoed as sent.
 * UMA-REG-2: each is absolute with no fragment; Kardia also holds them to the redirect URI kinds
 * of HEART OAuth §2.2.3.1, since the same browser is sent there.
 */
export const claimsRedirectUrisValidator: MetadataValidator = {
  name: 'claims_redirect_uris',
  validate(input, draft) {
    const uris = readStringArray(input, 'claims_redirect_uris');
    if (uris === undefined) return;
    if (uris.length === 0) throw invalidMetadata('claims_redirect_uris must not be empty');
    for (const uri of uris) {
      if (!redirectUriKind(uri)) {
        throw invalidMetadata(
          'each claims redirect URI must be https, http on localhost, or a reverse-domain ' +
            'private scheme, without a fragment',
        );
      }
    }
    draft.metadata.claims_redirect_uris = uris;
  },
};
