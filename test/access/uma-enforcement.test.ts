import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverUma, parseUmaChallenge } from '../helpers/uma-client.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import {
  connectRecord,
  createRecord,
  fhir,
  ownerToken,
  ticketPermissions,
  umaRsOf,
} from './uma-fixtures.js';

/**
 * What the RS answers on a record connected to UMA when the request carries no sufficient RPT
 * (UMA grant §3.2, heart-fhir.md 2.3 and 2.4): 401 with a UMA challenge whose ticket names
 * exactly the resource and scope the request needs, followed by the Bearer challenge.
 */
let server: TestServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  server = await startKardia();
  alice = await createTestUser(server);
  bob = await createTestUser(server);
  await createRecord(server, alice, 'alice-2');
  await createRecord(server, bob, 'bob-2');
  await connectRecord(server, alice);
});
afterAll(async () => server.close());

async function resourceOf(owner: TestUser, part: string) {
  const registrations = await (await umaRsOf(server)).registrations.ofOwner(owner.sub);
  return registrations.find((r) => r.part === part)?.resourceId;
}

async function challenge(path: string, init: { method?: string; body?: unknown } = {}) {
  const answer = await fhir(server, path, undefined, init);
  expect(answer.status).toBe(401);
  const header = answer.headers.get('www-authenticate');
  const parsed = parseUmaChallenge(header);
  expect(parsed, String(header)).toBeDefined();
  return { header: header ?? '', ticket: parsed?.ticket ?? '', parsed, body: answer.body };
}

describe('RS responses without an RPT', () => {
  it('UMA-RS-1 a read without a token gets 401, UMA realm="kardia", as_uri and a ticket', async () => {
    const { header, parsed, body } = await challenge('Observation/obs-alice-2');
    expect(header).toMatch(/^UMA realm="kardia", as_uri="[^"]+", ticket="[^"]+"/);
    expect(parsed?.realm).toBe('kardia');
    expect(parsed?.asUri).toBe(server.url);
    // heart-fhir.md 2.3: the Bearer challenge follows the UMA one.
    expect(header).toMatch(/, Bearer realm=/);
    expect(body.resourceType).toBe('OperationOutcome');
  });

  it('UMA-DISC-2 as_uri plus the well-known suffix is the AS discovery, issuer equal', async () => {
    const { parsed } = await challenge('Observation?patient=alice-2');
    const configuration = await discoverUma(parsed?.asUri ?? '');
    expect(configuration.issuer).toBe(parsed?.asUri);
  });

  it('UMA-PERM-7 HFU-7 a read yields a ticket for read on the record-and-type resource only', async () => {
    const { ticket } = await challenge('Observation/obs-alice-2');
    expect(await ticketPermissions(server, ticket)).toEqual([
      { resource_id: await resourceOf(alice, 'Observation'), resource_scopes: ['read'] },
    ]);
  });

  it('HFU-7 a create of an Observation in the record without a token asks for write on the Observations', async () => {
    const { ticket } = await challenge('Observation', {
      method: 'POST',
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'Weight' },
        subject: { reference: 'Patient/alice-2' },
      },
    });
    expect(await ticketPermissions(server, ticket)).toEqual([
      { resource_id: await resourceOf(alice, 'Observation'), resource_scopes: ['write'] },
    ]);
  });

  it('HFU-7 searches by patient or subject and compartment searches name the type resource', async () => {
    const observations = await resourceOf(alice, 'Observation');
    for (const path of [
      'Observation?patient=alice-2',
      'Observation?subject=Patient/alice-2',
      'Patient/alice-2/Observation',
    ]) {
      const { ticket } = await challenge(path);
      expect(await ticketPermissions(server, ticket), path).toEqual([
        { resource_id: observations, resource_scopes: ['read'] },
      ]);
    }
  });

  it('HFU-7 GET Patient/<id> names the record resource', async () => {
    const { ticket } = await challenge('Patient/alice-2');
    expect(await ticketPermissions(server, ticket)).toEqual([
      { resource_id: await resourceOf(alice, '*'), resource_scopes: ['read'] },
    ]);
  });

  it('HFU-7 a write of a type the record does not hold yet registers it and names it', async () => {
    const { ticket } = await challenge('AllergyIntolerance', {
      method: 'POST',
      body: {
        resourceType: 'AllergyIntolerance',
        patient: { reference: 'Patient/alice-2' },
        code: { text: 'Peanuts' },
      },
    });
    const allergies = await resourceOf(alice, 'AllergyIntolerance');
    expect(allergies).toBeDefined();
    expect(await ticketPermissions(server, ticket)).toEqual([
      { resource_id: allergies, resource_scopes: ['write'] },
    ]);
  });

  it('UMA-RS-3 an invalid token on a connected record is treated like none: a fresh ticket', async () => {
    const answer = await fhir(server, 'Observation/obs-alice-2', 'not.a.token');
    expect(answer.status).toBe(401);
    const header = answer.headers.get('www-authenticate') ?? '';
    expect(parseUmaChallenge(header)?.ticket).toBeTruthy();
    expect(header).toMatch(/Bearer [^,]*realm="[^"]+", error="invalid_token"/);
  });

  it('heart-fhir.md 2.3 a search that names no patient gets the plain Bearer challenge', async () => {
    const answer = await fhir(server, 'Observation');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('UMA-RS-5 a record that is not connected gets the plain Bearer challenge', async () => {
    const answer = await fhir(server, 'Observation/obs-bob-2');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).not.toMatch(/UMA/);
  });

  it('the owner’s own OAuth token still reads the connected record', async () => {
    const token = await ownerToken(server, alice, 'user/*.read');
    const answer = await fhir(server, 'Observation/obs-alice-2', token);
    expect(answer.status).toBe(200);
  });

  it('HFU-8 UMA-PERM-7 GET /metadata documents which resource and scope each interaction needs', async () => {
    const statement = await fhir(server, 'metadata');
    const rest = (statement.body.rest as { security: { description?: string } }[])[0];
    const text = rest?.security.description ?? '';
    expect(text).toContain('http://hl7.org/fhir/StructureDefinition/Patient');
    expect(text).toMatch(/create, update, patch, delete → the record-and-type resource, write/);
    expect(text).toMatch(/GET Patient\/<id>.*record resource, read/);
  });
});
