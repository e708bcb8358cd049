import { patientsOwnedBy } from '../../fhir/repository/owners.js';
import type { Store } from '../../store/database.js';
import { nowSeconds } from '../../util/time.js';
import { type AsProtection, ProtectionError } from './as-protection.js';
import type { PatLinks } from './pat-links.js';
import { livePartsOf } from './record-parts.js';
import { describePart, type RecordPart } from './resource-table.js';

/** One UMA resource the RS registered: a whole record (`*`) or one record and type. */
export interface Registration {
  patientId: string;
  part: RecordPart;
  owner: string;
  resourceId: string;
  scopes: string[];
  policyUri: string | undefined;
}

/**
 * The owner's record at the owner's AS (heart-fhir.md 2.3, HFU-1 to HFU-4): one resource per
 * record and one per record and type holding data, registered with the owner's PAT, kept in
 * step as data comes and goes (new types registered, emptied types deleted), and looked up by
 * the enforcement when it needs a ticket or reads an RPT.
 */
export class Registrations {
  constructor(
    private readonly store: Store,
    private readonly links: PatLinks,
    private readonly protection: AsProtection,
  ) {}

  /** Registers what is missing and deletes what no longer holds data, for one owner. */
  async sync(owner: string): Promise<void> {
    const patients = await patientsOwnedBy(this.store.db, owner);
    const current = await this.ofOwner(owner);
    for (const patientId of patients) {
      const wanted = new Set<RecordPart>(['*', ...(await livePartsOf(this.store.db, patientId))]);
      for (const part of wanted) {
        if (!current.some((r) => r.patientId === patientId && r.part === part)) {
          await this.register(owner, patientId, part);
        }
      }
      for (const gone of current.filter((r) => r.patientId === patientId && !wanted.has(r.part))) {
        await this.unregister(gone);
      }
    }
    // A record that changed hands, or the owner's last record removed: its resources go.
    for (const orphan of current.filter((r) => !patients.includes(r.patientId))) {
      await this.unregister(orphan);
    }
  }

  /**
   * After a (re)connection: every stored registration is written again with the new PAT, and
   * one the AS no longer knows is registered afresh; then the owner's record is synced.
   */
  async reconcile(owner: string): Promise<void> {
    for (const registration of await this.ofOwner(owner)) {
      const description = describePart(registration.patientId, registration.part);
      try {
        await this.links.withPat(owner, (pat) =>
          this.protection.updateResource(pat, registration.resourceId, description),
        );
        await this.store.db
          .updateTable('rs_uma_resources')
          .set({ scopes: JSON.stringify(description.resource_scopes) })
          .where('resource_id', '=', registration.resourceId)
          .execute();
      } catch (error) {
        if (!(error instanceof ProtectionError && error.status === 404)) throw error;
        await this.forget(registration.resourceId);
      }
    }
    await this.sync(owner);
  }

  /** The registration of a part, made now if the record has none yet (a first write of a type). */
  async ensure(owner: string, patientId: string, part: RecordPart): Promise<Registration> {
    return (await this.find(patientId, part)) ?? this.register(owner, patientId, part);
  }

  async find(patientId: string, part: RecordPart): Promise<Registration | undefined> {
    const row = await this.store.db
      .selectFrom('rs_uma_resources')
      .selectAll()
      .where('patient_id', '=', patientId)
      .where('fhir_type', '=', part)
      .executeTakeFirst();
    return row ? toRegistration(row) : undefined;
  }

  /** The registrations behind RPT permissions; ids this RS never registered are not found. */
  async byResourceIds(ids: readonly string[]): Promise<Registration[]> {
    if (ids.length === 0) return [];
    const rows = await this.store.db
      .selectFrom('rs_uma_resources')
      .selectAll()
      .where('resource_id', 'in', [...ids])
      .execute();
    return rows.map(toRegistration);
  }

  async ofOwner(owner: string): Promise<Registration[]> {
    const rows = await this.store.db
      .selectFrom('rs_uma_resources')
      .selectAll()
      .where('owner_sub', '=', owner)
      .orderBy('patient_id')
      .orderBy('fhir_type')
      .execute();
    return rows.map(toRegistration);
  }

  /** Deletes every registration of an owner at the AS (unlinking): protection ends (F§3.2.4). */
  async removeAll(owner: string): Promise<void> {
    for (const registration of await this.ofOwner(owner)) await this.unregister(registration);
  }

  private async register(owner: string, patientId: string, part: RecordPart) {
    const description = describePart(patientId, part);
    const created = await this.links.withPat(owner, (pat) =>
      this.protection.createResource(pat, description),
    );
    const row = {
      patient_id: patientId,
      fhir_type: part,
      owner_sub: owner,
      resource_id: created.id,
      scopes: JSON.stringify(description.resource_scopes),
      policy_uri: created.policyUri ?? null,
      registered_at: nowSeconds(),
    };
    const inserted = await this.store.db
      .insertInto('rs_uma_resources')
      .values(row)
      .onConflict((oc) => oc.columns(['patient_id', 'fhir_type']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) {
      // Another node registered the same part first: keep one registration at the AS.
      await this.links.withPat(owner, (pat) => this.protection.deleteResource(pat, created.id));
      const winner = await this.find(patientId, part);
      if (!winner) throw new Error('a registration vanished after a conflicting insert');
      return winner;
    }
    return toRegistration(row);
  }

  private async unregister(registration: Registration): Promise<void> {
    await this.links.withPat(registration.owner, (pat) =>
      this.protection.deleteResource(pat, registration.resourceId),
    );
    await this.forget(registration.resourceId);
  }

  private async forget(resourceId: string): Promise<void> {
    await this.store.db
      .deleteFrom('rs_uma_resources')
      .where('resource_id', '=', resourceId)
      .execute();
  }
}

function toRegistration(row: {
  patient_id: string;
  fhir_type: string;
  owner_sub: string;
  resource_id: string;
  scopes: string;
  policy_uri: string | null;
}): Registration {
  return {
    patientId: row.patient_id,
    part: row.fhir_type,
    owner: row.owner_sub,
    resourceId: row.resource_id,
    scopes: JSON.parse(row.scopes) as string[],
    policyUri: row.policy_uri ?? undefined,
  };
}
