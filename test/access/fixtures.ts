import type { Resource } from '@medplum/fhirtypes';
import { CONFIDENTIALITY_SYSTEM, SENSITIVITY_SYSTEM } from '../../src/access/scopes/labels.js';
import { FhirRepository } from '../../src/fhir/repository/repository.js';
import { issueToken } from '../../src/oauth/tokens.js';
import type { TestServer } from '../helpers/server.js';
import { createTestUser, type TestUser } from '../helpers/users.js';

/**
 * The HFO set-up of heart-fhir.md 1.7, in small: account A owns Patient/example and
 * Patient/pat1, account F owns Patient/f201; each record has an Observation, a Condition and an
 * Immunization; Condition/f202 (f201) carries TBOO, Observation/obs-r (example) confidentiality
 * R and Observation/obs-v (example) V; Practitioner/prac1 is shared reference data.
 */
export interface Fixtures {
  a: TestUser;
  f: TestUser;
}

const observation = (id: string, patient: string, security?: Resource['meta']) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: `Patient/${patient}` },
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  ...(security ? { meta: security } : {}),
});

const condition = (id: string, patient: string, security?: Resource['meta']) => ({
  resourceType: 'Condition',
  id,
  subject: { reference: `Patient/${patient}` },
  code: { text: 'Condition' },
  ...(security ? { meta: security } : {}),
});

const immunization = (id: string, patient: string) => ({
  resourceType: 'Immunization',
  id,
  status: 'completed',
  vaccineCode: { text: 'Influenza' },
  patient: { reference: `Patient/${patient}` },
  occurrenceDateTime: '2024-10-01',
});

export async function loadFixtures(server: TestServer): Promise<Fixtures> {
  const a = await createTestUser(server);
  const f = await createTestUser(server);
  const repo = new FhirRepository(server.kardia.store, server.kardia.urls.fhir);
  const records: [TestUser, string][] = [
    [a, 'example'],
    [a, 'pat1'],
    [f, 'f201'],
  ];
  for (const [owner, id] of records) {
    const put = (resource: unknown) => repo.update(resource, { owner: owner.sub });
    await put({ resourceType: 'Patient', id, name: [{ family: id }] });
    await put(observation(`obs-${id}`, id));
    await put(condition(`cond-${id}`, id));
    await put(immunization(`imm-${id}`, id));
  }
  const label = (system: string, code: string) => ({ security: [{ system, code }] });
  await repo.update(condition('f202', 'f201', label(SENSITIVITY_SYSTEM, 'TBOO')), { owner: f.sub });
  await repo.update(observation('obs-r', 'example', label(CONFIDENTIALITY_SYSTEM, 'R')), {
    owner: a.sub,
  });
  await repo.update(observation('obs-v', 'example', label(CONFIDENTIALITY_SYSTEM, 'V')), {
    owner: a.sub,
  });
  await repo.update({ resourceType: 'Practitioner', id: 'prac1', name: [{ family: 'Who' }] });
  return { a, f };
}

/**
 * An access token from the AS's own issuance (src/oauth/tokens.ts): `scope @patient` in the
 * notation of heart-fhir.md 1.7, for `sub`.
 */
export async function accessToken(
  server: TestServer,
  sub: string,
  scope: string,
  patient?: string,
): Promise<string> {
  const issued = await issueToken(server.kardia, {
    kind: 'access',
    clientId: 'hfo-test-app',
    sub,
    scope,
    ttl: 600,
    ...(patient ? { claims: { patient } } : {}),
  });
  return issued.token;
}
