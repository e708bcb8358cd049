import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../server/context.js';
import { serverUrls } from '../server/context.js';
import type { FhirAccessControl } from './access-port.js';
import { loadDefinitions } from './definitions/load.js';
import { mountFhir } from './http/fastify-adapter.js';
import { FhirRouter } from './router/router.js';

export interface FhirFeatureOptions {
  /**
   * Token enforcement for the RS (src/access). Without it the router is open: every caller gets
   * OPEN_SCOPE. Only the FHIR core's own tests and the benchmark baseline run it that way.
   */
  accessControl?: (kardia: Kardia) => FhirAccessControl | Promise<FhirAccessControl>;
  /** The CapabilityStatement's `rest.security.description`, from the access layer (HFU-8). */
  securityDescription?: (kardia: Kardia) => Promise<string | undefined>;
}

const routers = new WeakMap<Kardia, FhirRouter>();

/** The FHIR server of a running Kardia (for the tests of the open router and in-process use). */
export function fhirRouterOf(kardia: Kardia): FhirRouter | undefined {
  return routers.get(kardia);
}

/**
 * The RS role's FHIR feature: `<issuer>/fhir`. The server assembly chooses the access control:
 * `{ name: 'fhir', roles: ['rs'], register: fhirFeature({ accessControl }) }`.
 */
export function fhirFeature(options: FhirFeatureOptions = {}) {
  return async (app: FastifyInstance, kardia: Kardia): Promise<void> => {
    loadDefinitions();
    const as = serverUrls(kardia.settings.as ?? kardia.settings.issuer);
    const router = new FhirRouter({
      store: kardia.store,
      base: kardia.urls.fhir,
      log: kardia.log,
      capability: {
        version: packageVersion(),
        oauth: {
          authorize: as.authorization,
          token: as.token,
          register: as.registration,
          introspect: as.introspection,
          revoke: as.revocation,
        },
        securityDescription: await options.securityDescription?.(kardia),
      },
      accessControl: options.accessControl ? await options.accessControl(kardia) : undefined,
    });
    routers.set(kardia, router);
    await mountFhir(app, router, '/fhir');
  };
}

let version: string | undefined;

function packageVersion(): string {
  if (version) return version;
  version = '0.0.0';
  // From src/fhir (tsx) or dist/src/fhir (built): the package root is two or three levels up.
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const url = new URL(relative, import.meta.url);
      const parsed = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'kardia' && parsed.version) return (version = parsed.version);
    } catch {
      // not there: try the next level
    }
  }
  return version;
}
