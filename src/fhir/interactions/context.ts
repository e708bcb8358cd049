import type { Resource } from '@medplum/fhirtypes';
import type { Store } from '../../store/database.js';
import type { FhirCaller } from '../access-port.js';
import type { KardiaOutcome } from '../outcome.js';
import type { FhirRepository } from '../repository/repository.js';
import type { FhirRequest } from '../router/http-types.js';
import type { Preferences } from '../router/negotiate.js';
import type { Route } from '../router/route.js';
import type { CapabilityOptions } from './capabilities.js';

/** What every interaction handler gets: the parsed request, the caller, and the repository. */
export interface InteractionContext {
  request: FhirRequest;
  route: Route;
  /** Undefined for the open router (no access control). */
  caller: FhirCaller | undefined;
  repo: FhirRepository;
  store: Store;
  base: string;
  prefer: Preferences;
  capability: CapabilityOptions;
  /** The body, when the router had to read it before the handler (batch or transaction). */
  parsedBody?: unknown;
  /** Authorizes one entry of a batch or transaction, as the router does for a request. */
  authorizeEntry?: (interaction: Route['interaction']) => Promise<FhirCaller>;
  auditEntry?: (
    interaction: Route['interaction'],
    caller: FhirCaller | undefined,
    status: number,
  ) => Promise<void>;
}

/**
 * What a handler returns: a success outcome (its id is the HTTP situation, mapped to a status in
 * one place), maybe a resource, and the version headers. Failures are thrown as FhirError.
 */
export interface InteractionResult {
  outcome: KardiaOutcome;
  resource?: Resource;
  /** The resource as stored JSON text, when it can be sent without re-serializing (read). */
  json?: string;
  /** ETag, Last-Modified and, with `location`, the Location header. */
  version?: { type: string; id: string; versionId: string; lastUpdated: string };
  location?: boolean;
  /** Whether `Prefer: return=` applies (create, update, patch, transaction). */
  preferApplies?: boolean;
  /** `Type/id` of every resource read or written, for the audit trail. */
  touched: string[];
}

export type InteractionHandler = (context: InteractionContext) => Promise<InteractionResult>;

export const versionOf = (resource: Resource) => ({
  type: resource.resourceType,
  id: resource.id as string,
  versionId: resource.meta?.versionId ?? '1',
  lastUpdated: resource.meta?.lastUpdated ?? new Date(0).toISOString(),
});

export const keyOf = (resource: Resource): string => `${resource.resourceType}/${resource.id}`;
