import type { Organization, Patient, Practitioner } from '@medplum/fhirtypes';
import { type DemoRecord, day } from './record.js';

const GIVEN = {
  female: ['Alice', 'Maria', 'Grace', 'Nadia', 'Ingrid', 'Amara', 'Lucia', 'Hannah'],
  male: ['Daniel', 'Tomas', 'Samuel', 'Kenji', 'Omar', 'Lukas', 'Arjun', 'Henrik'],
};
const FAMILY = ['Martin', 'Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Novak', 'Reyes', 'Byrne'];
const CITIES = [
  { city: 'Springfield', state: 'IL', postalCode: '62704' },
  { city: 'Madison', state: 'WI', postalCode: '53703' },
  { city: 'Portland', state: 'OR', postalCode: '97205' },
];
const STREETS = ['Maple Avenue', 'Oak Street', 'Lakeview Drive', 'Cedar Lane', 'Hillcrest Road'];

/** Fictional identifiers live under example.org, reserved for examples (RFC 2606). */
export const DEMO_IDENTIFIER_SYSTEM = 'http://example.org/kardia/demo/mrn';

export interface PersonOptions {
  given?: string;
  family?: string;
  gender?: 'female' | 'male';
}

/** The person whose record this is, born some fifty years before the record ends. */
export function addPatient(record: DemoRecord, options: PersonOptions): void {
  const { rng } = record;
  const gender = options.gender ?? rng.pick(['female', 'male'] as const);
  const given = options.given ?? rng.pick(GIVEN[gender]);
  const family = options.family ?? rng.pick(FAMILY);
  const place = rng.pick(CITIES);
  const birth = new Date(
    Date.UTC(record.asOf.getUTCFullYear() - rng.int(48, 56), rng.int(0, 11), rng.int(1, 28)),
  );
  const patient: Patient = {
    resourceType: 'Patient',
    identifier: [
      {
        use: 'usual',
        type: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v2-0203',
              code: 'MR',
              display: 'Medical record number',
            },
          ],
        },
        system: DEMO_IDENTIFIER_SYSTEM,
        value: String(rng.int(1_000_000, 9_999_999)),
      },
    ],
    active: true,
    name: [{ use: 'official', family, given: [given] }],
    telecom: [
      { system: 'phone', value: `555-01${rng.int(10, 99)}`, use: 'mobile' },
      {
        system: 'email',
        value: `${given}.${family}@example.org`.toLowerCase(),
        use: 'home',
      },
    ],
    gender,
    birthDate: day(birth),
    address: [
      {
        use: 'home',
        line: [`${rng.int(10, 999)} ${rng.pick(STREETS)}`],
        ...place,
        country: 'US',
      },
    ],
    communication: [
      {
        language: {
          coding: [
            { system: 'urn:ietf:bcp:47', code: 'en-US', display: 'English (United States)' },
          ],
        },
        preferred: true,
      },
    ],
    generalPractitioner: [record.practitioner],
    managingOrganization: record.organization,
  };
  record.patient = record.add(patient, `${given} ${family}`);
}

/** The family practice and its doctor: shared reference data outside the compartment. */
export function addCareTeam(record: DemoRecord): void {
  const { rng } = record;
  const town = rng.pick(CITIES);
  const organization: Organization = {
    resourceType: 'Organization',
    active: true,
    name: `${town.city} Family Practice`,
    telecom: [{ system: 'phone', value: `555-02${rng.int(10, 99)}`, use: 'work' }],
    address: [{ line: [`${rng.int(1, 99)} Main Street`], ...town, country: 'US' }],
  };
  record.organization = record.add(organization, organization.name);

  const family = rng.pick(FAMILY);
  const given = rng.pick([...GIVEN.female, ...GIVEN.male]);
  const practitioner: Practitioner = {
    resourceType: 'Practitioner',
    active: true,
    name: [{ family, given: [given], prefix: ['Dr.'] }],
    telecom: [{ system: 'phone', value: `555-03${rng.int(10, 99)}`, use: 'work' }],
  };
  record.practitioner = record.add(practitioner, `Dr. ${given} ${family}`);
}
