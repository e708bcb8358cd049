import { isValidScopeString, joinScope, parseScope } from '../scopes.js';
import { invalidMetadata, readString } from './fields.js';
import type { MetadataValidator } from './metadata-validators.js';

/**
 * Scopes a dynamically registered client may not hold (HEART OAuth §3.1.3, §3.4: OA-DR-4,
 * OA-SC-3). They are trimmed from the registered scope and so from the reply:
 * - `system/...` (and its SMART URI form): SMART Backend Services access to every record,
 *   meant for client-credentials clients, which only an administrator registers (§2.1.4).
 * Every other scope string is accepted and kept as registered (OA-SC-2): the resource server
 * decides what it means, and the user approves it on the consent page.
 */
export const WITHHELD_FROM_DYNAMIC_CLIENTS: readonly RegExp[] = [
  /^system\//,
  /^https?:\/\/smarthealthit\.org\/fhir\/scopes\/system\//,
];

export const isWithheldFromDynamicClients = (scope: string): boolean =>
  WITHHELD_FROM_DYNAMIC_CLIENTS.some((rule) => rule.test(scope));

export const scopeValidator: MetadataValidator = {
  name: 'scope',
  validate(input, draft) {
    const scope = readString(input, 'scope', 4_000);
    if (scope === undefined) return;
    if (!isValidScopeString(scope)) {
      throw invalidMetadata('scope must be space-separated scope tokens (RFC 6749 §3.3)');
    }
    const kept = parseScope(scope).filter((s) => !isWithheldFromDynamicClients(s));
    draft.scope = joinScope(kept);
    if (draft.scope) draft.metadata.scope = draft.scope;
  },
};
