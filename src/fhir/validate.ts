import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from './definitions/load.js';
import { isServedType, isValidId } from './definitions/resource-types.js';
import { FhirError, badRequest } from './outcome.js';

/**
 * Checks a resource against the R4 StructureDefinitions before it is stored (FHIR-7). Failures
 * become 400 with code `structure`, `required`, `value` or `invariant` and an `expression`
 * pointing at the offending element. The body must already be a JSON object.
 */
export function validateFhirResource(body: unknown, expectedType?: string): Resource {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new FhirError('bad-request', 'structure', 'the body is not a JSON object');
  }
  const resource = body as Resource;
  const type = (body as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string') {
    throw new FhirError('bad-request', 'structure', 'resourceType is missing', {
      expression: ['resourceType'],
    });
  }
  if (expectedType && type !== expectedType) {
    throw badRequest(`resourceType ${type} does not match the URL`, ['resourceType']);
  }
  if (!isServedType(type)) {
    throw new FhirError('not-found', 'not-supported', `resource type ${type} is not served`);
  }
  if (resource.id !== undefined && (typeof resource.id !== 'string' || !isValidId(resource.id))) {
    throw new FhirError('bad-request', 'value', 'id is not a valid FHIR id', {
      expression: [`${type}.id`],
    });
  }
  loadDefinitions();
  // Limitation: Medplum 4.5 checks structure, cardinality, types and formats but not codes
  // against required bindings (an Observation.status of 'bogus' passes). Lifting it means
  // loading the R4 ValueSets (valuesets.json) and checking each required-bound `code` element.
  try {
    validateResource(resource);
  } catch (error) {
    if (error instanceof OperationOutcomeError) throw invalid(error.outcome.issue);
    throw error;
  }
  return resource;
}

function invalid(issues: OperationOutcomeIssue[]): FhirError {
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  const first = errors[0] ?? issues[0];
  const text = first?.details?.text ?? first?.diagnostics ?? 'invalid resource';
  const error = new FhirError('bad-request', codeOf(first), text, {
    expression: first?.expression,
  });
  error.outcome.issue = (errors.length ? errors : issues).map((issue) => ({
    severity: 'error',
    code: codeOf(issue),
    diagnostics: issue.details?.text ?? issue.diagnostics ?? 'invalid',
    ...(issue.expression ? { expression: issue.expression } : {}),
  }));
  return error;
}

/** Medplum reports most problems as `structure`; a missing element is `required`. */
function codeOf(
  issue: OperationOutcomeIssue | undefined,
): 'structure' | 'required' | 'invariant' | 'value' {
  const text = issue?.details?.text ?? '';
  if (/^Missing required/.test(text)) return 'required';
  if (issue?.code === 'invariant') return 'invariant';
  if (/format|Invalid (JSON type|value)/i.test(text)) return 'value';
  return 'structure';
}
