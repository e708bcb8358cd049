import type { Bundle, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { fhirRouterOf } from '../../src/fhir/feature.js';
import type { FhirAccessControl } from '../../src/fhir/access-port.js';
import { startKardia, type TestServer } from '../helpers/server.js';

export interface FhirServer extends TestServer {
  base: string;
}

/**
 * A real Kardia on a socket whose FHIR router runs open (no token enforcement), or with the
 * access control a test passes: the FHIR core's own behaviour, apart from src/access.
 */
export async function startFhir(accessControl?: FhirAccessControl): Promise<FhirServer> {
  const server = await startKardia();
  const router = fhirRouterOf(server.kardia);
  if (!router) throw new Error('the FHIR feature is not registered');
  router.setAccessControl(accessControl);
  return { ...server, base: `${server.url}/fhir` };
}

export interface FhirAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export async function fhir<T = Record<string, unknown>>(
  server: FhirServer,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<FhirAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/fhir+json';
  }
  const url = path.startsWith('http') ? path : `${server.base}${path}`;
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: response.status, headers: response.headers, text, body: parsed as T };
}

export const issueOf = (answer: FhirAnswer<unknown>) =>
  (answer.body as { issue?: { severity: string; code: string; expression?: string[] }[] })
    .issue?.[0];

/** Patient `example` with 30 Observations (10 heart rates), and Patient `f001` with 3. */
export function fixtureBundle(): Bundle {
  const entries: Resource[] = [
    patient('example', 'Chalmers', 'Peter', '1974-12-25'),
    patient('f001', 'van de Heuvel', 'Pieter', '1944-11-17'),
  ];
  for (let i = 0; i < 30; i++) entries.push(observation('example', i));
  for (let i = 0; i < 3; i++) entries.push(observation('f001', i));
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: entries.map((resource) => ({
      resource,
      request: resource.id
        ? { method: 'PUT', url: `${resource.resourceType}/${resource.id}` }
        : { method: 'POST', url: resource.resourceType },
    })),
  };
}

function patient(id: string, family: string, given: string, birthDate: string): Patient {
  return {
    resourceType: 'Patient',
    id,
    name: [{ family, given: [given] }],
    gender: 'male',
    birthDate,
    identifier: [{ system: 'urn:kardia:test', value: `mrn-${id}` }],
  };
}

export const HEART_RATE = { system: 'http://loinc.org', code: '8867-4' };
const WEIGHT = { system: 'http://loinc.org', code: '29463-7' };

/** i = 0..29: heart rate for i % 3 == 0, weight otherwise; one month apart from 2010-01. */
function observation(subject: string, i: number): Observation {
  const heart = i % 3 === 0;
  const year = 2010 + Math.floor(i / 12);
  const month = String((i % 12) + 1).padStart(2, '0');
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/observation-category',
            code: 'vital-signs',
          },
        ],
      },
    ],
    code: { coding: [heart ? HEART_RATE : WEIGHT], text: heart ? 'Heart rate' : 'Body weight' },
    subject: { reference: `Patient/${subject}` },
    effectiveDateTime: `${year}-${month}-15T10:00:00Z`,
    valueQuantity: heart
      ? { value: 60 + i, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' }
      : { value: 70 + i / 10, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  };
}

/** Loads the fixture through the REST transaction interaction. */
export async function loadFixtures(server: FhirServer): Promise<void> {
  const answer = await fhir(server, 'POST', '', { body: fixtureBundle() });
  if (answer.status !== 200) throw new Error(`fixtures failed: ${answer.text}`);
}
