import { randomUUID } from 'node:crypto';
import type { FhirAuditEvent, FhirCaller, RecordScope } from '../../fhir/access-port.js';
import type { Store } from '../../store/database.js';

/**
 * The access history of every record: one entry per FHIR interaction, allowed or refused, kept
 * in the RS's own tables apart from the clinical data, so that the owner sees who read or changed
 * the record, with which app, through which grant or share, and whether the glass was broken
 * (HEART FHIR §4, heart-fhir.md 1.4 step 7, HFO-14, HFU-6). No token, no health data: only
 * identifiers (`Type/id`, sub, client_id, the token's `jti`).
 */
export interface AuditRecord {
  id: string;
  recorded: Date;
  interaction: string;
  resourceType: string | undefined;
  resourceId: string | undefined;
  outcome: FhirAuditEvent['outcome'];
  status: number;
  sub: string | undefined;
  clientId: string | undefined;
  tokenId: string | undefined;
  /** `oauth` (a scoped access token) or `uma` (an RPT). */
  via: string | undefined;
  shareId: string | undefined;
  scope: string | undefined;
  btg: boolean;
  resources: string[];
  patients: string[];
}

/** What the access control puts in FhirCaller.audit; the audit log reads these names. */
export interface CallerAudit extends Record<string, string | undefined> {
  sub?: string;
  client_id?: string;
  token_id?: string;
  via?: string;
  share_id?: string;
  scope?: string;
  btg?: 'true';
  patient?: string;
}

const MAX_LISTED = 1_000;

/**
 * An audit record's id, also its AuditEvent id: the time in base 36, fixed width, then a random
 * UUID (drawn from Node's pooled entropy, where a small randomBytes call costs a system call per
 * record). Ids that grow with time are appended at the end of the primary-key index instead of
 * landing on a random page of it, which keeps each group commit to a few pages however long the
 * history grows; and unlike base64url they are valid FHIR ids (FHIR R4 datatypes.html#id).
 */
export const auditId = (recorded: Date): string =>
  `${recorded.getTime().toString(36).padStart(9, '0')}-${randomUUID()}`;

/** One audit record from what the router reports and who the access control said was calling. */
export function toAuditRecord(event: FhirAuditEvent, caller: FhirCaller | undefined): AuditRecord {
  const who = (caller?.audit ?? {}) as CallerAudit;
  const recorded = new Date();
  return {
    id: auditId(recorded),
    recorded,
    interaction: event.interaction.kind,
    resourceType: event.interaction.resourceType,
    resourceId: event.interaction.id,
    outcome: event.outcome,
    status: event.status,
    sub: who.sub,
    clientId: who.client_id,
    tokenId: who.token_id,
    via: who.via,
    shareId: who.share_id,
    scope: who.scope,
    btg: who.btg === 'true',
    resources: [...new Set(event.resources)].slice(0, MAX_LISTED),
    patients: concernedPatients(event, caller),
  };
}

/** Stores records in one transaction: all of them or none. */
export async function writeAuditRecords(store: Store, records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  await store.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('access_audit_events')
      .values(
        records.map((record) => ({
          id: record.id,
          recorded_ms: record.recorded.getTime(),
          interaction: record.interaction,
          resource_type: record.resourceType ?? null,
          resource_id: record.resourceId ?? null,
          outcome: record.outcome,
          status: record.status,
          sub: record.sub ?? null,
          client_id: record.clientId ?? null,
          token_id: record.tokenId ?? null,
          via: record.via ?? null,
          share_id: record.shareId ?? null,
          scope: record.scope ?? null,
          btg: record.btg ? 1 : 0,
          resources: JSON.stringify(record.resources),
          patients: JSON.stringify(record.patients),
        })),
      )
      .execute();
    const links = records.flatMap((record) =>
      record.patients.map((patient) => ({
        event_id: record.id,
        patient_id: patient,
        recorded_ms: record.recorded.getTime(),
      })),
    );
    // Bounded so that a statement stays far below every database's parameter limit.
    for (let at = 0; at < links.length; at += 1_000) {
      await tx
        .insertInto('access_audit_patients')
        .values(links.slice(at, at + 1_000))
        .execute();
    }
  });
}

/**
 * The records an event concerns: the Patient or compartment it names, the patient the token is
 * bound to, and the compartments the caller could reach with it (what was exposed, since the
 * RS filters inside the query and does not see which compartment each row came from).
 */
function concernedPatients(event: FhirAuditEvent, caller: FhirCaller | undefined): string[] {
  const found = new Set<string>();
  const { interaction } = event;
  if (interaction.compartment) found.add(interaction.compartment.id);
  if (interaction.resourceType === 'Patient' && interaction.id) found.add(interaction.id);
  const bound = (caller?.audit as CallerAudit | undefined)?.patient;
  if (bound) found.add(bound);
  if (caller) {
    const reach = (scope: RecordScope) => (scope.patients === '*' ? [] : scope.patients);
    [...reach(caller.read), ...reach(caller.write)].forEach((id) => found.add(id));
  }
  return [...found].slice(0, MAX_LISTED);
}

export interface AuditQuery {
  /** Newest first; at most this many (default 100, at most 1000). */
  limit?: number;
  /** Only events recorded before this time (for paging backwards). */
  before?: Date;
}

/**
 * The history of the given records (Patient ids), newest first: what the owner's dashboard and
 * `GET /AuditEvent?patient=` show. The caller decides whose records these are.
 */
export async function listAudit(
  store: Store,
  patients: readonly string[],
  query: AuditQuery = {},
): Promise<AuditRecord[]> {
  if (patients.length === 0) return [];
  const limit = Math.min(Math.max(query.limit ?? 100, 1), MAX_LISTED);
  let select = store.db
    .selectFrom('access_audit_events')
    .selectAll()
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('access_audit_patients')
        .select('event_id')
        .where('patient_id', 'in', [...patients]),
    );
  if (query.before) select = select.where('recorded_ms', '<', query.before.getTime());
  const rows = await select.orderBy('recorded_ms', 'desc').orderBy('id').limit(limit).execute();
  return rows.map((row) => ({
    id: row.id,
    recorded: new Date(Number(row.recorded_ms)),
    interaction: row.interaction,
    resourceType: row.resource_type ?? undefined,
    resourceId: row.resource_id ?? undefined,
    outcome: row.outcome as AuditRecord['outcome'],
    status: row.status,
    sub: row.sub ?? undefined,
    clientId: row.client_id ?? undefined,
    tokenId: row.token_id ?? undefined,
    via: row.via ?? undefined,
    shareId: row.share_id ?? undefined,
    scope: row.scope ?? undefined,
    btg: row.btg === 1,
    resources: JSON.parse(row.resources) as string[],
    patients: JSON.parse(row.patients) as string[],
  }));
}
