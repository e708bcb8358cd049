import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../../server/context.js';
import type { Introspector } from '../token/introspection.js';
import type { TokenValidator } from '../token/validate.js';
import { AsProtection } from './as-protection.js';
import { registerConnectEndpoints } from './connect-endpoints.js';
import { loadPatClient } from './pat-client.js';
import { PatLinks } from './pat-links.js';
import { RecordSync } from './record-sync.js';
import { Registrations } from './registrations.js';
import { UMA_PATTERN_TEXT } from './resource-table.js';
import { UmaGate } from './uma-gate.js';

/** The RS side of UMA 2.0, assembled: what src/access/feature.ts plugs in. */
export interface UmaResourceServer {
  gate: UmaGate;
  links: PatLinks;
  registrations: Registrations;
  sync: RecordSync;
  /** HFU-8: which resource and scope each FHIR interaction needs, for the CapabilityStatement. */
  description: string;
  /** The connect pages, and the record sync from the moment the server listens. */
  register(app: FastifyInstance): void;
}

/**
 * Builds the RS side of UMA from the RS's own OAuth client at its AS (pat-client.ts), or
 * answers undefined when none is configured (a split RS without `rsUmaClientId` serves OAuth
 * only). Everything it does at the AS goes through the AS's public HTTP interface.
 */
export async function createUmaResourceServer(
  kardia: Kardia,
  access: {
    validator: TokenValidator;
    introspector: Introspector;
    realm: string;
    asIssuer: string;
  },
): Promise<UmaResourceServer | undefined> {
  const client = await loadPatClient(kardia);
  if (!client) {
    kardia.log.info('UMA is not configured for this RS: records cannot be connected');
    return undefined;
  }
  const protection = new AsProtection(access.asIssuer);
  const links = new PatLinks(kardia.store, client, protection, kardia.log);
  const registrations = new Registrations(kardia.store, links, protection);
  const sync = new RecordSync(links, registrations, kardia.log);
  const gate = new UmaGate({
    db: kardia.store.db,
    fhirBase: kardia.urls.fhir,
    asIssuer: access.asIssuer,
    clientId: client.clientId,
    realm: access.realm,
    protection,
    links,
    registrations,
    sync,
    introspector: access.introspector,
    log: kardia.log,
  });
  return {
    gate,
    links,
    registrations,
    sync,
    description: UMA_PATTERN_TEXT,
    register(app) {
      registerConnectEndpoints(app, {
        store: kardia.store,
        client,
        protection,
        links,
        registrations,
        validator: access.validator,
        secureCookies: kardia.urls.issuer.startsWith('https:'),
      });
      app.addHook('onListen', async () => {
        sync.start();
        void sync.sweep();
      });
      app.addHook('onClose', async () => sync.stop());
    },
  };
}
