import type { FastifyInstance } from 'fastify';
import { revocationHooks } from '../oauth/endpoints/revoke.js';
import { PURGE_RULES } from '../oauth/purge.js';
import type { Kardia } from '../server/context.js';
import { registerClaimsInteraction } from './claims/claims-interaction-endpoint.js';
import { revokePct } from './claims/pct.js';
import { trustedClaimIssuers } from './claims/trusted-issuers.js';
import { registerUmaDiscovery } from './discovery.js';
import { registerPermissionEndpoint } from './permission/permission-endpoint.js';
import { registerOwnerResourcesEndpoint } from './policy/owner-resources-endpoint.js';
import { registerPolicyEndpoint } from './policy/policy-endpoint.js';
import { installPatIntrospection } from './protection/pat-introspection.js';
import { registerAccessRequestEndpoint } from './requests/access-request-endpoint.js';
import { registerResourceRegistration } from './resources/resource-registration-endpoint.js';

let hooked = false;

/** Plugs UMA into the AS's extension points once per process. */
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  installPatIntrospection();
  // UMA-REF-3, HU-24: PCTs are revoked at /revoke like any token (`token_type_hint=pct`).
  revocationHooks.opaqueToken = async (kardia, clientId, token) => {
    await revokePct(kardia, token, clientId);
  };
  // Limitation: uma_rpt_grants and uma_rpt_permissions rows are kept, since a refresh chain
  // can outlive any fixed time; purging them would take a sweep for grants with no live token.
  // Tickets stay an hour past expiry so a late replay is still recognised (UMA-TKT-5).
  PURGE_RULES.push(
    { table: 'uma_tickets', key: ['ticket_hash'], column: 'expires_at', keepFor: 3600 },
    { table: 'uma_interactions', key: ['id_hash'], column: 'expires_at', keepFor: 0 },
    { table: 'uma_pcts', key: ['pct_hash'], column: 'expires_at', keepFor: 0 },
  );
}

/**
 * The UMA 2.0 authorization server (heart-uma2.md): discovery, the protection API (resource
 * registration, permission endpoint, PAT introspection), claims gathering, and the owner-facing
 * policy, resource and access request APIs. The uma-ticket grant is served by /token
 * (src/oauth/grants/index.ts).
 */
export async function registerUma(app: FastifyInstance, kardia: Kardia): Promise<void> {
  // A malformed trusted issuer setting stops the server here, at start.
  trustedClaimIssuers(kardia);
  installHooks();
  registerUmaDiscovery(app, kardia);
  registerResourceRegistration(app, kardia);
  registerPermissionEndpoint(app, kardia);
  registerPolicyEndpoint(app, kardia);
  registerOwnerResourcesEndpoint(app, kardia);
  registerAccessRequestEndpoint(app, kardia);
  await registerClaimsInteraction(app, kardia);
}
