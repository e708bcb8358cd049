import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPECIAL_SCOPES, UMA_RESOURCE_TABLE } from '../../src/access/uma/resource-table.js';
import { introspect } from '../helpers/back-channel.js';
import { resourceServer, type TestClient } from '../helpers/clients.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { call, endpoints } from '../uma/fixtures.js';
import {
  connectRecord,
  createRecord,
  eventually,
  fhir,
  ownerToken,
  umaRsOf,
} from './uma-fixtures.js';

/**
 * The RS connects an owner's record to UMA (heart-uma2.md 3.1) and registers it following the
 * HEART FHIR UMA mapping (heart-fhir.md 2.3), keeping the registrations in step with the record.
 */
let server: TestServer;
let alice: TestUser;
let introspector: TestClient;
const SD = 'http://hl7.org/fhir/StructureDefinition/';

beforeAll(async () => {
  server = await startKardia();
  alice = await createTestUser(server, { name: 'Alice', email: 'alice@example.org' });
  await createRecord(server, alice, 'alice-1');
  introspector = await resourceServer(server);
});
afterAll(async () => server.close());

const pat = async (owner: TestUser) =>
  (await umaRsOf(server)).links.withPat(owner.sub, async (p) => p);

/** The owner's registrations as the AS holds them, read with the RS's PAT. */
async function registered(owner: TestUser) {
  const token = await pat(owner);
  const ids = (await call(endpoints(server).resources, 'GET', token)).body as string[];
  const described = [];
  for (const id of ids) {
    described.push((await call(`${endpoints(server).resources}/${id}`, 'GET', token)).json);
  }
  return described;
}

describe('connecting a record', () => {
  it('HU-17 UMA-PAT-3 the owner connects through the code flow with PKCE S256 and state', async () => {
    const { response, authorizeUrl } = await connectRecord(server, alice);
    const sent = new URL(authorizeUrl).searchParams;
    expect(sent.get('scope')).toBe('uma_protection');
    expect(sent.get('code_challenge_method')).toBe('S256');
    expect(sent.get('state')?.length).toBeGreaterThanOrEqual(43);
    expect(sent.get('redirect_uri')).toBe(`${server.url}/fhir/uma/callback`);
    expect(response.status).toBe(303);
    // UMA-RES-9: the owner lands on the AS's page for setting policy on the record.
    expect(response.headers.get('location')).toMatch(new RegExp(`^${server.url}/account/`));
    expect(await (await umaRsOf(server)).links.isLinked(alice.sub)).toBe(true);
  });

  it('UMA-PAT-2 the stored PAT is a live uma_protection token of the owner, sealed at rest', async () => {
    const token = await pat(alice);
    const answer = await introspect(server, introspector, token);
    expect(answer.body.active).toBe(true);
    expect(String(answer.body.scope).split(' ')).toContain('uma_protection');
    expect(answer.body.sub).toBe(alice.sub);
    const row = await server.kardia.store.db
      .selectFrom('rs_uma_links')
      .selectAll()
      .where('owner_sub', '=', alice.sub)
      .executeTakeFirstOrThrow();
    expect(row.pat_sealed).not.toContain(token.split('.')[1] ?? 'x');
    expect(JSON.stringify(server.logs)).not.toContain(token);
  });

  it('UMA-PAT-5 HU-18 the RS refreshes the PAT ahead of expiry and the new one works', async () => {
    const before = await pat(alice);
    await server.kardia.store.db
      .updateTable('rs_uma_links')
      .set({ pat_exp: Math.floor(Date.now() / 1000) + 10 })
      .where('owner_sub', '=', alice.sub)
      .execute();
    const after = await pat(alice);
    expect(after).not.toBe(before);
    expect((await call(endpoints(server).resources, 'GET', after)).status).toBe(200);
  });

  it('refuses a callback from another browser or a replayed state, with a page and no link', async () => {
    const bob = await createTestUser(server);
    const first = await connectRecord(server, bob);
    expect(first.response.status).toBe(200);
    const replay = await fetch(first.callback, { redirect: 'manual' });
    expect(replay.status).toBe(400);
    expect(replay.headers.get('content-type')).toMatch(/text\/html/);
    const forged = await fetch(`${server.url}/fhir/uma/callback?code=x&state=y`);
    expect(forged.status).toBe(400);
  });

  it('leaves the record unconnected when the owner denies', async () => {
    const carol = await createTestUser(server);
    const { response } = await connectRecord(server, carol, { decision: 'deny' });
    expect(response.status).toBe(403);
    expect(await (await umaRsOf(server)).links.isLinked(carol.sub)).toBe(false);
  });
});

describe('registrations (heart-fhir.md 2.3)', () => {
  it('HFU-1 the RS registers the record on behalf of its owner: the PAT lists it', async () => {
    const descriptions = await registered(alice);
    expect(descriptions.map((d) => d.type)).toContain(`${SD}Patient`);
  });

  it('HFU-2 the record resource has the Patient type URI; each per-type one its type', async () => {
    const types = (await registered(alice)).map((d) => d.type).sort();
    expect(types).toEqual([`${SD}Condition`, `${SD}Observation`, `${SD}Patient`]);
    expect(UMA_RESOURCE_TABLE.recordType.type('Condition')).toBe(`${SD}Condition`);
  });

  it('HFU-3 HU-34 every registered scope comes from the table', async () => {
    const allowed = new Set([...UMA_RESOURCE_TABLE.record.scopes, ...SPECIAL_SCOPES]);
    for (const description of await registered(alice)) {
      for (const scope of description.resource_scopes as string[]) expect(allowed).toContain(scope);
    }
  });

  it('HFU-4 the RS enforces labels and btg, so every special scope is registered', async () => {
    for (const description of await registered(alice)) {
      expect(description.resource_scopes).toEqual(expect.arrayContaining([...SPECIAL_SCOPES]));
    }
  });

  it('UMA-POL-4 names and descriptions carry types and ids, no clinical values', async () => {
    for (const description of await registered(alice)) {
      const text = JSON.stringify(description);
      expect(text).not.toMatch(/Heart rate|72|alice-1,|Alice/);
      expect(String(description.name)).toContain('Patient/alice-1');
    }
  });

  it('registers a new type when data of it is written, and deletes it when the type empties', async () => {
    const token = await ownerToken(server, alice, 'user/*.*');
    const created = await fhir(server, 'Immunization', token, {
      method: 'POST',
      body: {
        resourceType: 'Immunization',
        status: 'completed',
        vaccineCode: { text: 'Influenza' },
        patient: { reference: 'Patient/alice-1' },
        occurrenceDateTime: '2024-10-01',
      },
    });
    expect(created.status).toBe(201);
    const hasImmunization = async () =>
      (await registered(alice)).some((d) => d.type === `${SD}Immunization`);
    expect(await eventually(hasImmunization)).toBe(true);

    expect(
      (await fhir(server, `Immunization/${String(created.body.id)}`, token, { method: 'DELETE' }))
        .status,
    ).toBe(204);
    expect(await eventually(async () => !(await hasImmunization()))).toBe(true);
  });

  it('UMA-PAT-4 another owner’s PAT sees none of these registrations', async () => {
    const dora = await createTestUser(server);
    await createRecord(server, dora, 'dora-1');
    await connectRecord(server, dora);
    const mine = (await call(endpoints(server).resources, 'GET', await pat(alice)))
      .body as string[];
    const theirs = (await call(endpoints(server).resources, 'GET', await pat(dora)))
      .body as string[];
    expect(theirs.length).toBe(3);
    expect(theirs.filter((id) => mine.includes(id))).toEqual([]);
  });
});

describe('unlinking', () => {
  it('HU-38 unlinking deletes the registrations and revokes the PAT and its refresh token', async () => {
    const erin = await createTestUser(server);
    await createRecord(server, erin, 'erin-1');
    await connectRecord(server, erin);
    const token = await pat(erin);
    const looking = await ownerToken(server, erin, 'user/*.read');
    const status = await call(`${server.url}/fhir/uma/link`, 'GET', looking);
    expect(status.json.connected).toBe(true);
    expect((status.json.resources as unknown[]).length).toBe(3);
    // Reading is not enough to end the link.
    expect((await call(`${server.url}/fhir/uma/link`, 'DELETE', looking)).status).toBe(403);

    const owner = await ownerToken(server, erin, 'user/*.*');
    expect((await call(`${server.url}/fhir/uma/link`, 'DELETE', owner)).status).toBe(204);
    expect((await introspect(server, introspector, token)).body.active).toBe(false);
    const left = await server.kardia.store.db
      .selectFrom('uma_resources')
      .select('id')
      .where('owner_sub', '=', erin.sub)
      .execute();
    expect(left).toEqual([]);
    expect((await call(`${server.url}/fhir/uma/link`, 'GET', looking)).json.connected).toBe(false);
    // No longer connected: a request without a token meets the plain Bearer challenge.
    const plain = await fhir(server, 'Observation?patient=erin-1');
    expect(plain.status).toBe(401);
    expect(plain.headers.get('www-authenticate')).not.toMatch(/UMA/);
  });
});
