import type { FastifyInstance } from 'fastify';
import { isCompartmentType } from '../fhir/definitions/compartment.js';
import { patientsOwnedBy } from '../fhir/repository/owners.js';
import type { Kardia } from '../server/context.js';
import { ScopeAccessControl } from './access-control.js';
import { auditBundle } from './audit/audit-bundle.js';
import { type AuditQuery, type AuditRecord, listAudit } from './audit/audit-log.js';
import { registerOwnerAuditEndpoint } from './audit/owner-audit-endpoint.js';
import { installLaunchContext } from './launch/launch-claims.js';
import { registerLaunchPatientEndpoint } from './launch/launch-patient-endpoint.js';
import { announceOwner } from './launch/owner-link.js';
import { OwnerSync } from './launch/owner-sync.js';
import { loadRsCredentials, resourceIdentifier, trustedIssuer } from './rs-credentials.js';
import { registerSmartConfiguration } from './smart/smart-configuration.js';
import { Introspector } from './token/introspection.js';
import { TrustedAs } from './token/trusted-as.js';
import { TokenValidator } from './token/validate.js';
import { createUmaResourceServer, type UmaResourceServer } from './uma/uma-rs.js';
import type { Bundle } from '@medplum/fhirtypes';

/** Everything the RS side of access enforcement offers the rest of Kardia. */
export interface KardiaAccess {
  /** The FhirAccessControl the FHIR router calls before and after each interaction. */
  control: ScopeAccessControl;
  /** The AS this RS trusts, reached over HTTP. */
  as: TrustedAs;
  /** UMA at this RS (src/access/uma), when configured: connected records, tickets, RPTs. */
  uma: UmaResourceServer | undefined;
  /** Tells the AS which Patient an account owns here, for `launch/patient`. */
  announceOwner(sub: string, patientId: string): Promise<boolean>;
  /** Reports record owners to the AS: all at start, then the new ones every half minute. */
  ownerSync: OwnerSync;
  /** The access history of every record an account owns, newest first (the dashboard). */
  auditOfOwner(sub: string, query?: AuditQuery): Promise<AuditRecord[]>;
  /** The same history as a FHIR searchset Bundle of AuditEvents. */
  auditBundleOfOwner(sub: string, query?: AuditQuery): Promise<Bundle>;
}

const instances = new WeakMap<Kardia, Promise<KardiaAccess>>();

/**
 * The one access enforcement of a server (shared by the FHIR feature and the dashboard). Its
 * credentials are loaded (or, in one-process mode, made and registered) on first use, which the
 * RS feature below triggers at start.
 */
export function accessFor(kardia: Kardia): Promise<KardiaAccess> {
  let access = instances.get(kardia);
  if (!access) {
    access = createAccess(kardia);
    instances.set(kardia, access);
  }
  return access;
}

async function createAccess(kardia: Kardia): Promise<KardiaAccess> {
  const credentials = await loadRsCredentials(kardia);
  const as = new TrustedAs(trustedIssuer(kardia));
  const realm = resourceIdentifier(kardia);
  const introspector = new Introspector(as, async () => credentials);
  const validator = new TokenValidator(as, introspector, realm, realm, kardia.log);
  const directory = {
    compartmentsOf: (sub: string) => patientsOwnedBy(kardia.store.db, sub),
    isCompartmentType,
  };
  const uma = await createUmaResourceServer(kardia, {
    validator,
    introspector,
    realm,
    asIssuer: as.issuer,
  });
  const control = new ScopeAccessControl({
    store: kardia.store,
    realm,
    validator,
    directory,
    ...(uma ? { uma: uma.gate } : {}),
  });
  const auditOfOwner = async (sub: string, query?: AuditQuery) =>
    listAudit(kardia.store, await patientsOwnedBy(kardia.store.db, sub), query);
  const announce = (sub: string, patientId: string) =>
    announceOwner(as, credentials, sub, patientId);
  return {
    control,
    as,
    uma,
    announceOwner: announce,
    ownerSync: new OwnerSync(kardia.store, announce, kardia.log),
    auditOfOwner,
    auditBundleOfOwner: async (sub, query) =>
      auditBundle(await auditOfOwner(sub, query), kardia.urls.issuer, kardia.urls.fhir),
  };
}

/** RS role: credentials at start, and the SMART configuration document. */
export async function registerAccess(app: FastifyInstance, kardia: Kardia): Promise<void> {
  const access = await accessFor(kardia);
  registerSmartConfiguration(app, '/fhir', access.as);
  registerOwnerAuditEndpoint(app, {
    store: kardia.store,
    control: access.control,
    issuer: access.as.issuer,
    fhirBase: kardia.urls.fhir,
  });
  access.uma?.register(app);
  // The AS is reachable over HTTP only once this server (in one-process mode) is listening.
  app.addHook('onListen', async () => access.ownerSync.start());
  app.addHook('onClose', async () => access.ownerSync.stop());
}

/** AS role: `launch/patient` and `fhirUser` in the code grant, and where RSs report owners. */
export function registerLaunchContext(app: FastifyInstance, kardia: Kardia): void {
  installLaunchContext();
  registerLaunchPatientEndpoint(app, kardia);
}
