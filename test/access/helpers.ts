import { expect } from 'vitest';
import { accessFor } from '../../src/access/feature.js';
import type {
  FhirCaller,
  FhirInteraction,
  FhirRequestCredentials,
} from '../../src/fhir/access-port.js';
import { FhirError } from '../../src/fhir/outcome.js';
import { randomToken } from '../../src/util/random.js';
import type { TestServer } from '../helpers/server.js';

/** The RS's FhirAccessControl of a running server, as the FHIR router calls it. */
export async function controlOf(server: TestServer) {
  return (await accessFor(server.kardia)).control;
}

export const bearer = (token: string | undefined, path = '/fhir/Observation') =>
  ({
    authorization: token === undefined ? undefined : `Bearer ${token}`,
    accessTokenParameter: undefined,
    method: 'GET',
    path,
  }) satisfies FhirRequestCredentials;

export const searchObservations: FhirInteraction = {
  kind: 'search-type',
  resourceType: 'Observation',
};

/** Asks the server's access control; answers the caller or the FhirError it threw. */
export async function authorize(
  server: TestServer,
  credentials: FhirRequestCredentials,
  interaction: FhirInteraction = searchObservations,
): Promise<FhirCaller | FhirError> {
  try {
    return await (await controlOf(server)).authorize(credentials, interaction);
  } catch (error) {
    if (error instanceof FhirError) return error;
    throw error;
  }
}

export function expectRefused(
  result: FhirCaller | FhirError,
  status: number,
  challenge: RegExp,
): FhirError {
  expect(result).toBeInstanceOf(FhirError);
  const error = result as FhirError;
  expect(error.status).toBe(status);
  expect(error.headers['www-authenticate']).toMatch(challenge);
  expect(error.outcome.resourceType).toBe('OperationOutcome');
  return error;
}

export function expectAllowed(result: FhirCaller | FhirError): FhirCaller {
  if (result instanceof FhirError) {
    throw new Error(`refused: ${result.status} ${result.message}`);
  }
  return result;
}

/**
 * A token signed with the AS's real signing key, recorded in its token table so introspection
 * answers for it: for the claims a real grant never produces (no `aud`, a past `exp`, another
 * `typ`).
 */
export async function signWithAsKey(
  server: TestServer,
  claims: Record<string, unknown>,
  options: { typ?: string; record?: boolean } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jti = randomToken();
  const payload = {
    iss: server.url,
    sub: 'someone',
    azp: 'some-client',
    client_id: 'some-client',
    scope: 'user/*.read',
    iat: now,
    exp: now + 600,
    jti,
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined) delete (payload as Record<string, unknown>)[name];
  }
  if (options.record !== false) {
    await server.kardia.store.db
      .insertInto('tokens')
      .values({
        jti,
        kind: 'access',
        client_id: 'some-client',
        sub: String(payload.sub),
        scope: String(payload.scope),
        grant_id: null,
        parent: null,
        expires_at: Number(payload.exp),
        revoked_at: null,
        created_at: now,
      })
      .execute();
  }
  return server.kardia.keys.sign(payload, options.typ ?? 'at+jwt');
}

/** How many introspection requests the AS has logged so far. */
export const introspections = (server: TestServer): number =>
  server.logs.filter((line) => line.includes('"/introspect"') && line.includes('incoming request'))
    .length;

/**
 * Calls `attempt` until it is refused, and answers how long after `since` the last allowed
 * attempt started (0 when none was allowed). The RS promises that no request starting one second
 * or more after the revocation is honoured, however slow the requests themselves are.
 */
export async function lastAllowedAfter(
  since: number,
  attempt: () => Promise<boolean>,
): Promise<{ lastAllowed: number; refused: boolean }> {
  let lastAllowed = 0;
  while (Date.now() - since < 5_000) {
    const started = Date.now();
    if (!(await attempt())) return { lastAllowed, refused: true };
    lastAllowed = started - since;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { lastAllowed, refused: false };
}
