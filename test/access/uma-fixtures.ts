import type { Resource } from '@medplum/fhirtypes';
import { accessFor } from '../../src/access/feature.js';
import type { UmaResourceServer } from '../../src/access/uma/uma-rs.js';
import { CONFIDENTIALITY_SYSTEM } from '../../src/access/scopes/labels.js';
import { FhirRepository } from '../../src/fhir/repository/repository.js';
import { issueToken } from '../../src/oauth/tokens.js';
import type { TestServer } from '../helpers/server.js';
import { formFields, UserAgent } from '../helpers/user-agent.js';
import type { TestUser } from '../helpers/users.js';

/**
 * The RS side of UMA in tests: an owner's record in the RS's FHIR store, the owner connecting it
 * through the RS's connect page (a real browser walk: RS → AS login and consent → RS callback),
 * and FHIR requests over HTTP.
 */
export async function umaRsOf(server: TestServer): Promise<UmaResourceServer> {
  const uma = (await accessFor(server.kardia)).uma;
  if (!uma) throw new Error('UMA is not configured at this RS');
  return uma;
}

const observation = (id: string, patient: string, meta?: Resource['meta']) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: `Patient/${patient}` },
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  ...(meta ? { meta } : {}),
});

/**
 * A record at `rs` owned by `owner`: the Patient, two Observations (one labelled restricted,
 * `R`) and a Condition.
 */
export async function createRecord(rs: TestServer, owner: TestUser, patientId: string) {
  const repo = new FhirRepository(rs.kardia.store, rs.kardia.urls.fhir);
  const put = (resource: unknown) => repo.update(resource, { owner: owner.sub });
  await put({ resourceType: 'Patient', id: patientId, name: [{ family: patientId }] });
  await put(observation(`obs-${patientId}`, patientId));
  await put(
    observation(`obs-r-${patientId}`, patientId, {
      security: [{ system: CONFIDENTIALITY_SYSTEM, code: 'R' }],
    }),
  );
  await put({
    resourceType: 'Condition',
    id: `cond-${patientId}`,
    subject: { reference: `Patient/${patientId}` },
    code: { text: 'Condition' },
  });
}

/**
 * The owner connects their record: GET the RS's connect page and follow the browser through the
 * AS (`as`, which may be another server) until the RS's callback has answered.
 */
export async function connectRecord(
  rs: TestServer,
  owner: TestUser,
  options: { as?: TestServer; decision?: 'allow' | 'deny'; agent?: UserAgent } = {},
) {
  const as = options.as ?? rs;
  const agent = options.agent ?? new UserAgent(as);
  let response = await agent.get(`${rs.url}/fhir/uma/connect`);
  const start = response.headers.get('location') ?? '';
  for (let step = 0; step < 12; step++) {
    if (response.status >= 300 && response.status < 400) {
      const target = new URL(response.headers.get('location') ?? '', as.url);
      if (target.pathname === '/fhir/uma/callback') {
        // The RS's public issuer may be a name only a proxy would serve: reach its socket.
        const callback = `${rs.url}${target.pathname}${target.search}`;
        response = await agent.get(callback);
        return { response, authorizeUrl: start, agent, callback };
      }
      response = await agent.get(target.href);
      continue;
    }
    const html = await response.text();
    if (response.status === 200 && html.includes('name="password"')) {
      response = await agent.postForm(`${as.url}/login`, {
        ...formFields(html, 'action="/login"'),
        username: owner.username,
        password: owner.password,
      });
      continue;
    }
    if (response.status === 200 && html.includes('name="decision"')) {
      response = await agent.postForm(`${as.url}/authorize/decision`, {
        ...formFields(html, 'action="/authorize/decision"'),
        decision: options.decision ?? 'allow',
      });
      continue;
    }
    throw new Error(`the connect walk ended on a page: ${response.status}`);
  }
  throw new Error('the connect walk did not reach the RS callback');
}

/** An ordinary access token of the AS for an account (the owner's own app), in process. */
export async function ownerToken(as: TestServer, owner: TestUser, scope: string) {
  const issued = await issueToken(as.kardia, {
    kind: 'access',
    clientId: 'owner-app',
    sub: owner.sub,
    scope,
    ttl: 600,
  });
  return issued.token;
}

/** A FHIR request at the RS over HTTP, with an optional bearer token. */
export async function fhir(
  rs: TestServer,
  path: string,
  token?: string,
  init: { method?: string; body?: unknown } = {},
) {
  const response = await fetch(`${rs.url}/fhir/${path}`, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/fhir+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, body };
}

/** The ids in a searchset Bundle. */
export const idsOf = (bundle: Record<string, unknown>): string[] =>
  ((bundle.entry ?? []) as { resource: { id: string } }[]).map((e) => e.resource.id).sort();

/** Polls `check` until it holds (the record sync runs right after a write), at most 5 s. */
export async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + 5_000;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/** The ticket's permissions, read at the AS by its hash (what the RS asked for). */
export async function ticketPermissions(as: TestServer, ticket: string) {
  const { sha256 } = await import('../../src/util/random.js');
  const row = await as.kardia.store.db
    .selectFrom('uma_tickets')
    .select('permissions')
    .where('ticket_hash', '=', sha256(ticket))
    .executeTakeFirst();
  return JSON.parse(row?.permissions ?? 'null') as
    { resource_id: string; resource_scopes: string[] }[] | null;
}
