import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';
import { SERVED_TYPES, servedTypeNames } from '../definitions/resource-types.js';
import { searchParamsOf } from '../definitions/search-parameters.js';
import { allOk } from '../outcome.js';
import type { InteractionContext, InteractionResult } from './context.js';

export interface CapabilityOptions {
  /** Kardia's FHIR base URL. */
  base: string;
  /** The software version, from package.json. */
  version: string;
  /** Authorization server endpoints for the `oauth-uris` extension (FHIR-35). */
  oauth: Partial<Record<'authorize' | 'token' | 'register' | 'introspect' | 'revoke', string>>;
  /** `rest.security.description`: how the RS's UMA tickets map interactions (HFU-8). */
  securityDescription?: string;
}

/**
 * `GET [base]/metadata` (FHIR-1, FHIR-35): a CapabilityStatement of kind `instance` that lists
 * exactly what works, built from the same tables that drive the router and the indexer.
 */
export async function capabilities(context: InteractionContext): Promise<InteractionResult> {
  return { outcome: allOk, resource: capabilityStatement(context.capability), touched: [] };
}

let cached: { key: string; statement: CapabilityStatement } | undefined;

export function capabilityStatement(options: CapabilityOptions): CapabilityStatement {
  const key = JSON.stringify(options);
  if (cached?.key === key) return cached.statement;
  const statement: CapabilityStatement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2025-01-01',
    publisher: 'Kardia',
    kind: 'instance',
    software: { name: 'Kardia', version: options.version },
    implementation: { description: 'Kardia personal health record', url: options.base },
    fhirVersion: '4.0.1',
    format: ['json', 'application/fhir+json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        security: security(options),
        resource: servedTypeNames().map(resourceEntry),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
  cached = { key, statement };
  return statement;
}

function security(options: CapabilityOptions) {
  return {
    cors: true,
    ...(options.securityDescription ? { description: options.securityDescription } : {}),
    service: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
            code: 'SMART-on-FHIR',
          },
        ],
      },
    ],
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: Object.entries(options.oauth).map(([url, valueUri]) => ({ url, valueUri })),
      },
    ],
  };
}

function resourceEntry(type: string): CapabilityStatementRestResource {
  const interactions = SERVED_TYPES[type] ?? [];
  const params = [...(searchParamsOf(type)?.values() ?? [])];
  const searchable = interactions.includes('search-type');
  const entry: CapabilityStatementRestResource = {
    type: type as CapabilityStatementRestResource['type'],
    interaction: interactions.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: interactions.includes('update'),
    conditionalCreate: interactions.includes('create'),
    conditionalRead: 'not-supported',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
  };
  if (!searchable) return entry;
  entry.searchInclude = params
    .filter((p) => p.kind === 'reference')
    .map((p) => `${type}:${p.name}`);
  entry.searchRevInclude = revIncludes(type);
  entry.searchParam = params.map((p): CapabilityStatementRestResourceSearchParam => ({
    name: p.name,
    type: p.kind,
    definition: p.url,
  }));
  return entry;
}

function revIncludes(type: string): string[] {
  return servedTypeNames().flatMap((source) =>
    [...(searchParamsOf(source)?.values() ?? [])]
      .filter((p) => p.kind === 'reference' && p.targets.includes(type))
      .map((p) => `${source}:${p.name}`),
  );
}
