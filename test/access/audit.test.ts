import type { AuditEvent } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessFor } from '../../src/access/feature.js';
import type { FhirInteraction } from '../../src/fhir/access-port.js';
import { setPatientOwner } from '../../src/fhir/repository/owners.js';
import { FhirError } from '../../src/fhir/outcome.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { bearer, signWithAsKey } from './helpers.js';

/**
 * The access history (heart-fhir.md 1.4 step 7): every interaction, allowed or refused, is
 * recorded apart from the clinical data and shown to the record's owner as AuditEvents.
 */
let server: TestServer;
let fhir: string;
const OWNER_F = 'owner-f';

beforeAll(async () => {
  server = await startKardia();
  fhir = `${server.url}/fhir`;
  await setPatientOwner(server.kardia.store.db, 'f201', OWNER_F);
});
afterAll(() => server.close());

/** Runs one interaction through the access control the way the FHIR router does. */
async function interact(token: string, interaction: FhirInteraction, resources: string[] = []) {
  const { control } = await accessFor(server.kardia);
  try {
    const caller = await control.authorize(bearer(token), interaction);
    await control.audit({ interaction, caller, outcome: 'allowed', status: 200, resources });
    return caller;
  } catch (error) {
    const status = error instanceof FhirError ? error.status : 500;
    await control.audit({ interaction, caller: undefined, outcome: 'refused', status, resources });
    return error;
  }
}

const historyOfF = async () =>
  (await (await accessFor(server.kardia)).auditBundleOfOwner(OWNER_F)).entry?.map(
    (entry) => entry.resource as AuditEvent,
  ) ?? [];

const isBtg = (event: AuditEvent) =>
  event.purposeOfEvent?.some((reason) => reason.coding?.some((c) => c.code === 'BTG')) ?? false;

describe('audit of FHIR interactions', () => {
  it('HFO-15 without btg no override happens and no BTG event is written', async () => {
    const token = await signWithAsKey(server, {
      aud: fhir,
      scope: 'patient/*.read',
      patient: 'f201',
    });
    const caller = await interact(token, { kind: 'search-type', resourceType: 'Condition' });
    expect(caller).not.toBeInstanceOf(Error);
    const events = await historyOfF();
    expect(events.length).toBeGreaterThan(0);
    expect(events.some(isBtg)).toBe(false);
  });

  it('HFO-14 a btg request is recorded with purposeOfEvent BTG, visible to the owner', async () => {
    const token = await signWithAsKey(server, {
      sub: 'doctor-b',
      azp: 'er-app',
      client_id: 'er-app',
      aud: fhir,
      scope: 'patient/*.read btg',
      patient: 'f201',
    });
    await interact(token, { kind: 'read', resourceType: 'Condition', id: 'f202' }, [
      'Condition/f202',
    ]);
    const [latest] = await historyOfF();
    expect(latest).toBeDefined();
    const event = latest as AuditEvent;
    expect(isBtg(event)).toBe(true);
    expect(event.outcome).toBe('0');
    expect(event.action).toBe('R');
    expect(event.agent.map((a) => a.who?.identifier?.value)).toEqual(['doctor-b', 'er-app']);
    const references = event.entity?.map((e) => e.what?.reference);
    expect(references).toEqual(expect.arrayContaining(['Patient/f201', 'Condition/f202']));
  });

  it('records a refusal with who was refused', async () => {
    const token = await signWithAsKey(server, {
      sub: 'nosy',
      azp: 'nosy-app',
      client_id: 'nosy-app',
      aud: fhir,
      scope: 'patient/Observation.read',
      patient: 'f201',
    });
    const refused = await interact(token, { kind: 'create', resourceType: 'Observation' });
    expect(refused).toBeInstanceOf(FhirError);
    const [latest] = await historyOfF();
    expect(latest?.outcome).toBe('4');
    expect(latest?.outcomeDesc).toContain('403');
    expect(latest?.agent[0]?.who?.identifier?.value).toBe('nosy');
  });

  it('shows an owner only the history of the records they own', async () => {
    const token = await signWithAsKey(server, {
      aud: fhir,
      scope: 'patient/*.read',
      patient: 'someone-else',
    });
    await interact(token, { kind: 'search-type', resourceType: 'Observation' });
    const events = await historyOfF();
    for (const event of events) {
      expect(event.entity?.map((e) => e.what?.reference)).toContain('Patient/f201');
    }
    const stranger = await (await accessFor(server.kardia)).auditOfOwner('nobody');
    expect(stranger).toEqual([]);
  });

  it('renders a searchset Bundle of R4 AuditEvents with the required elements', async () => {
    const bundle = await (await accessFor(server.kardia)).auditBundleOfOwner(OWNER_F);
    expect(bundle.type).toBe('searchset');
    expect(bundle.total).toBe(bundle.entry?.length);
    for (const entry of bundle.entry ?? []) {
      const event = entry.resource as AuditEvent;
      expect(event.resourceType).toBe('AuditEvent');
      expect(event.type.code).toBe('rest');
      expect(Date.parse(event.recorded)).not.toBeNaN();
      expect(event.agent.length).toBeGreaterThan(0);
      expect(event.agent.every((a) => typeof a.requestor === 'boolean')).toBe(true);
      expect(event.source.observer).toBeDefined();
      expect(entry.fullUrl).toBe(`${fhir}/AuditEvent/${event.id}`);
      // FHIR R4 datatypes.html#id: the id of an AuditEvent is a valid FHIR id.
      expect(event.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    }
    const recorded = (bundle.entry ?? []).map((e) => (e.resource as AuditEvent).recorded);
    expect([...recorded].sort().reverse()).toEqual(recorded);
  });

  it('gives audit records ids that grow with time, so the history is appended, not scattered', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      await interact('not-a-token', { kind: 'read', resourceType: 'Patient', id: 'f201' });
      const [newest] = await (await accessFor(server.kardia)).auditOfOwner(OWNER_F);
      ids.push(newest?.id ?? '');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(new Set(ids).size).toBe(3);
    expect([...ids].sort()).toEqual(ids);
  });

  it('holds no token in the audit tables', async () => {
    const token = await signWithAsKey(server, { aud: fhir, scope: 'user/*.read' });
    await interact(token, { kind: 'search-type', resourceType: 'Observation' });
    const rows = await server.kardia.store.db
      .selectFrom('access_audit_events')
      .selectAll()
      .execute();
    expect(JSON.stringify(rows)).not.toContain(token.split('.')[2]);
  });
});
