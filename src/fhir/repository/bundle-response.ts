import type { BundleEntry, Resource } from '@medplum/fhirtypes';
import { type FhirError, outcomeStatus, outcome } from '../outcome.js';
import type { StoredVersion } from './versions.js';

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  422: 'Unprocessable Entity',
};

/** `201 Created`: Bundle.entry.response.status starts with the HTTP code (R4 bundle.html). */
export const statusLine = (status: number): string => `${status} ${REASONS[status] ?? ''}`.trim();

/** The response entry of a successful read or write, with location and version headers. */
export function entryResponse(
  base: string,
  kind: 'ok' | 'created',
  result: Resource | StoredVersion,
): BundleEntry {
  const resource =
    'resourceType' in result ? result : (JSON.parse(result.json ?? '{}') as Resource);
  const version = resource.meta?.versionId ?? '1';
  const status = outcomeStatus(outcome(kind, 'informational', kind));
  return {
    fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
    resource,
    response: {
      status: statusLine(status),
      location: `${resource.resourceType}/${resource.id}/_history/${version}`,
      etag: `W/"${version}"`,
      lastModified: resource.meta?.lastUpdated,
    },
  };
}

/** A failed batch entry: its status and OperationOutcome (R4 http.html §3.1.0.11.1). */
export function failedEntryResponse(error: FhirError): BundleEntry {
  const { id: _kind, ...body } = error.outcome;
  void _kind;
  return { response: { status: statusLine(error.status), outcome: body } };
}
