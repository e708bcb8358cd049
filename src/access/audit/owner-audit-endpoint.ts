import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FhirInteraction } from '../../fhir/access-port.js';
import { FhirError } from '../../fhir/outcome.js';
import type { FhirRequest } from '../../fhir/router/http-types.js';
import { errorResponse } from '../../fhir/router/respond.js';
import type { ScopeAccessControl } from '../access-control.js';
import { auditBundle } from './audit-bundle.js';
import { type AuditQuery, listAudit } from './audit-log.js';
import type { Store } from '../../store/database.js';

export interface OwnerAuditOptions {
  store: Store;
  control: ScopeAccessControl;
  /** The AS issuer, which qualifies the `sub` and client_id identifiers in each AuditEvent. */
  issuer: string;
  fhirBase: string;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const PATIENT_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * `GET [base]/AuditEvent?patient=<id>` (heart-fhir.md 1.4 step 7, HFO-14, HFU-6): the access
 * history of the records a token reaches, as a searchset Bundle of AuditEvents, newest first.
 * The RS answers it from its audit log (audit-log.ts), not from stored FHIR resources, so this
 * static route takes precedence over the FHIR router's wildcard for exactly this search. The
 * token is checked by the same access control as every FHIR interaction: it needs a scope that
 * reads AuditEvent (`user/AuditEvent.read`, `user/*.read`...), and it sees only the records in
 * its reach. Reading the history is itself an access, recorded like any other.
 *
 * Parameters: `patient` (narrows to one record in reach), `date` with `ge`/`gt`/`le`/`lt`
 * prefixes, `_count` (at most 1000). Others are ignored, as FHIR's lenient search does.
 *
 * Limitation: only this GET is answered from the audit log; `POST AuditEvent/_search` and
 * `GET AuditEvent/<id>` still reach the FHIR router's stored resources. Serving them too means
 * an AuditEvent search handler behind the access port.
 */
export function registerOwnerAuditEndpoint(app: FastifyInstance, options: OwnerAuditOptions) {
  app.get('/fhir/AuditEvent', async (request, reply) => {
    const fhirRequest = toFhirRequest(request);
    const interaction: FhirInteraction = { kind: 'search-type', resourceType: 'AuditEvent' };
    let caller;
    try {
      caller = await options.control.authorize(credentialsOf(request), interaction);
      const query = parseQuery(fhirRequest.query);
      const reach = caller.read.patients;
      // A `*` reach (no owner in sight) is never handed the whole log: it must name the record.
      let patients = reach === '*' ? [] : [...reach];
      if (query.patient) {
        patients = reach === '*' || reach.includes(query.patient) ? [query.patient] : [];
      }
      const records = (await listAudit(options.store, patients, query.audit)).filter(
        (record) => !query.since || record.recorded >= query.since,
      );
      const body = auditBundle(records, options.issuer, options.fhirBase);
      await options.control.audit({
        interaction,
        caller,
        outcome: 'allowed',
        status: 200,
        resources: [],
      });
      return reply
        .code(200)
        .header('content-type', FHIR_JSON)
        .header('cache-control', 'no-store')
        .send(JSON.stringify(body));
    } catch (cause) {
      const error = toFhirError(cause, request);
      const outcome = error.status === 401 || error.status === 403 ? 'refused' : 'failed';
      await options.control.audit({
        interaction,
        caller,
        outcome,
        status: error.status,
        resources: [],
      });
      return send(reply, errorResponse(error, fhirRequest));
    }
  });
}

interface AuditSearch {
  patient: string | undefined;
  since: Date | undefined;
  audit: AuditQuery;
}

function parseQuery(query: [string, string][]): AuditSearch {
  const search: AuditSearch = { patient: undefined, since: undefined, audit: {} };
  for (const [name, value] of query) {
    if (value === '') continue;
    if (name === 'patient') {
      const id = value.startsWith('Patient/') ? value.slice('Patient/'.length) : value;
      if (!PATIENT_ID.test(id)) throw badValue('patient: not a FHIR logical id');
      search.patient = id;
    } else if (name === 'date') {
      const match = /^(ge|gt|le|lt)(.+)$/.exec(value);
      const at = match ? new Date(match[2] ?? '') : undefined;
      if (!match || !at || Number.isNaN(at.getTime())) {
        throw badValue('date: expected ge, gt, le or lt and a date');
      }
      if (match[1] === 'ge' || match[1] === 'gt') search.since = at;
      else search.audit.before = new Date(at.getTime() + (match[1] === 'le' ? 1 : 0));
    } else if (name === '_count') {
      if (!/^\d{1,6}$/.test(value)) throw badValue('_count: not a whole number');
      search.audit.limit = Number(value);
    }
  }
  return search;
}

const badValue = (text: string) => new FhirError('bad-request', 'value', text);

function toFhirError(cause: unknown, request: FastifyRequest): FhirError {
  if (cause instanceof FhirError) return cause;
  request.log.error({ err: cause instanceof Error ? cause : undefined }, 'audit search failed');
  return new FhirError('server-error', 'exception', 'the server could not complete the request');
}

function credentialsOf(request: FastifyRequest) {
  const query = request.query as Record<string, unknown>;
  const parameter = query.access_token;
  if (Array.isArray(parameter)) {
    throw new FhirError('bad-request', 'invalid', 'access_token sent twice');
  }
  return {
    authorization: request.headers.authorization,
    accessTokenParameter: typeof parameter === 'string' ? parameter : undefined,
    method: request.method,
    path: '/fhir/AuditEvent',
  };
}

function toFhirRequest(request: FastifyRequest): FhirRequest {
  const mark = request.url.indexOf('?');
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: request.method,
    path: 'AuditEvent',
    fullPath: '/fhir/AuditEvent',
    query: mark === -1 ? [] : [...new URLSearchParams(request.url.slice(mark + 1))],
    headers,
  };
}

function send(
  reply: FastifyReply,
  response: { status: number; headers: Record<string, string>; body?: string },
) {
  return reply.code(response.status).headers(response.headers).send(response.body);
}
