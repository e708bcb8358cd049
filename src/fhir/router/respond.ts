import type { InteractionResult } from '../interactions/context.js';
import { type FhirError, type KardiaOutcome, outcomeStatus } from '../outcome.js';
import type { FhirRequest, FhirResponse } from './http-types.js';
import { FHIR_JSON, type Preferences } from './negotiate.js';

/**
 * The edge: a handler's outcome becomes an HTTP answer here and nowhere else. The status comes
 * from the outcome (outcomeStatus), version headers from the stored version (spec Part 3.3),
 * and the body from `Prefer: return=` where it applies (FHIR-22).
 */
export function successResponse(
  result: InteractionResult,
  prefer: Preferences,
  request: FhirRequest,
  base: string,
): FhirResponse {
  const status = outcomeStatus(result.outcome);
  const headers = baseHeaders();
  if (result.version) {
    const { type, id, versionId, lastUpdated } = result.version;
    headers.etag = `W/"${versionId}"`;
    headers['last-modified'] = new Date(lastUpdated).toUTCString();
    if (result.location) headers.location = `${base}/${type}/${id}/_history/${versionId}`;
  }
  if (status === 204) return { status, headers: { 'cache-control': 'no-store' } };
  if (result.preferApplies && prefer.return === 'minimal') return { status, headers };
  if (result.preferApplies && prefer.return === 'OperationOutcome') {
    return { status, headers, body: render(outcomeBody(result.outcome), request) };
  }
  const body =
    result.json !== undefined && !pretty(request)
      ? result.json
      : render(result.json !== undefined ? JSON.parse(result.json) : result.resource, request);
  return { status, headers, body };
}

/** Every failure carries an OperationOutcome (FHIR-23), whatever `Prefer` says. */
export function errorResponse(error: FhirError, request: FhirRequest): FhirResponse {
  const headers = { ...baseHeaders(), ...error.headers };
  return { status: error.status, headers, body: render(outcomeBody(error.outcome), request) };
}

function baseHeaders(): Record<string, string> {
  // Health data: no shared or private cache keeps a copy.
  return { 'content-type': FHIR_JSON, 'cache-control': 'no-store' };
}

/** The outcome's `id` names the HTTP situation inside Kardia; it is not part of the answer. */
function outcomeBody(outcome: KardiaOutcome) {
  const { id: _situation, ...body } = outcome;
  void _situation;
  return body;
}

const pretty = (request: FhirRequest): boolean =>
  request.query.some(([name, value]) => name === '_pretty' && value === 'true');

function render(value: unknown, request: FhirRequest): string {
  return pretty(request) ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}
