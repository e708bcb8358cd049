import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * Outcomes of FHIR interactions. Handlers return a success outcome (and maybe a resource) or
 * throw a FhirError carrying a failure outcome; `outcomeStatus` is the one place that turns
 * either into an HTTP status (FHIR R4 http.html, Kardia spec Part 3.4).
 *
 * The outcome's `id` names the HTTP situation; the issue's `code` is the FHIR IssueType.
 */
export type OutcomeKind =
  | 'ok'
  | 'created'
  | 'no-content'
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'not-acceptable'
  | 'conflict'
  | 'gone'
  | 'precondition-failed'
  | 'unsupported-media-type'
  | 'unprocessable'
  | 'server-error'
  | 'unavailable';

const statusOf: Record<OutcomeKind, number> = {
  ok: 200,
  created: 201,
  'no-content': 204,
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'not-acceptable': 406,
  conflict: 409,
  gone: 410,
  'precondition-failed': 412,
  'unsupported-media-type': 415,
  unprocessable: 422,
  'server-error': 500,
  /** A dependency (the authorization server) cannot be reached: retry later. */
  unavailable: 503,
};

/** FHIR IssueType codes Kardia uses (http://hl7.org/fhir/issue-type). */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'invariant'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'suppressed'
  | 'processing'
  | 'not-supported'
  | 'duplicate'
  | 'multiple-matches'
  | 'not-found'
  | 'deleted'
  | 'too-costly'
  | 'business-rule'
  | 'conflict'
  | 'exception'
  | 'transient'
  | 'informational';

export type KardiaOutcome = OperationOutcome & { id: OutcomeKind };

export function outcome(
  kind: OutcomeKind,
  code: IssueCode,
  diagnostics: string,
  expression?: string[],
): KardiaOutcome {
  const severity = statusOf[kind] >= 400 ? 'error' : 'information';
  const issue: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression?.length) issue.expression = expression;
  return { resourceType: 'OperationOutcome', id: kind, issue: [issue] };
}

export const allOk = outcome('ok', 'informational', 'all ok');
export const createdOk = outcome('created', 'informational', 'created');
export const noContent = outcome('no-content', 'informational', 'no content');

/** The HTTP status of an outcome: the one mapping from FHIR results to HTTP. */
export function outcomeStatus(result: OperationOutcome): number {
  return statusOf[result.id as OutcomeKind] ?? 500;
}

export function isOk(result: OperationOutcome): boolean {
  return outcomeStatus(result) < 400;
}

/**
 * A refused or failed FHIR interaction. `diagnostics` is public: it never holds a token, health
 * data, or a hint that a resource outside the caller's grant exists. `headers` travel with the
 * answer (the access control's `WWW-Authenticate`).
 */
export class FhirError extends Error {
  readonly outcome: KardiaOutcome;
  readonly headers: Record<string, string>;

  constructor(
    kind: OutcomeKind,
    code: IssueCode,
    diagnostics: string,
    options: { expression?: string[]; headers?: Record<string, string>; detail?: string } = {},
  ) {
    super(options.detail ?? diagnostics);
    this.name = 'FhirError';
    this.outcome = outcome(kind, code, diagnostics, options.expression);
    this.headers = options.headers ?? {};
  }

  static fromOutcome(result: OperationOutcome, kind: OutcomeKind): FhirError {
    const error = new FhirError(kind, 'invalid', 'invalid resource');
    error.outcome.issue = result.issue;
    return error;
  }

  get status(): number {
    return outcomeStatus(this.outcome);
  }
}

/** Shorthands for the failures the router raises most. */
export const badRequest = (diagnostics: string, expression?: string[]) =>
  new FhirError('bad-request', 'invalid', diagnostics, { expression });
export const badValue = (diagnostics: string, expression?: string[]) =>
  new FhirError('bad-request', 'value', diagnostics, { expression });
export const notSupported = (diagnostics: string) =>
  new FhirError('bad-request', 'not-supported', diagnostics);
export const notFound = (diagnostics = 'resource not found') =>
  new FhirError('not-found', 'not-found', diagnostics);
export const gone = (diagnostics = 'resource deleted') =>
  new FhirError('gone', 'deleted', diagnostics);
export const forbidden = (diagnostics = 'the grant does not cover this write') =>
  new FhirError('forbidden', 'forbidden', diagnostics);
