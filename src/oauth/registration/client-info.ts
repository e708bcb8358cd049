import { readString, readStringArray, readWebUrl } from './fields.js';
import type { MetadataValidator } from './metadata-validators.js';

/**
 * Descriptive metadata (RFC 7591 §2): shown to the user on the consent page, never trusted for
 * a security decision. URLs a person may open must be https (readWebUrl).
 */
export const clientInfoValidator: MetadataValidator = {
  name: 'client_info',
  validate(input, draft) {
    const name = readString(input, 'client_name', 200);
    if (name !== undefined) {
      draft.clientName = name;
      draft.metadata.client_name = name;
    }
    for (const field of ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri']) {
      const url = readWebUrl(input, field);
      if (url !== undefined) draft.metadata[field] = url;
    }
    const contacts = readStringArray(input, 'contacts', 10);
    if (contacts !== undefined) draft.metadata.contacts = contacts;
    for (const field of ['software_id', 'software_version']) {
      const value = readString(input, field, 200);
      if (value !== undefined) draft.metadata[field] = value;
    }
  },
};
