import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import type { Kardia } from '../../server/context.js';

/**
 * One access to the record, as the history page shows it: read from the RS's AuditEvents (the
 * RS's public interface), then named with what only the AS knows (people, apps, grants).
 */
export interface HistoryEntry {
  id: string;
  recordedMs: number;
  interaction: string;
  outcome: 'allowed' | 'refused' | 'failed';
  /** The requesting user's `sub` at this AS, when a user was behind the access. */
  sub: string | undefined;
  clientId: string | undefined;
  types: string[];
  references: string[];
  btg: boolean;
  shareId: string | undefined;
  tokenId: string | undefined;
  event: AuditEvent;
  /** Filled by nameEntries. */
  who?: string;
  app?: string;
  through?: string;
}

/** The URNs the RS puts in AuditEvent.agent.policy (src/access/audit/audit-bundle.ts). */
const SHARE_URN = 'urn:kardia:share:';
const TOKEN_URN = 'urn:kardia:token:';
const CLIENT_SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';

const OUTCOMES: Record<string, HistoryEntry['outcome']> = { '0': 'allowed', '4': 'refused' };

export function entriesOf(bundle: Bundle): HistoryEntry[] {
  return (bundle.entry ?? [])
    .map((entry) => entry.resource)
    .filter((resource): resource is AuditEvent => resource?.resourceType === 'AuditEvent')
    .map(toEntry);
}

function toEntry(event: AuditEvent): HistoryEntry {
  const person = event.agent.find((agent) =>
    agent.type?.coding?.some((coding) => coding.code === 'IRCP'),
  );
  const app = event.agent.find((agent) =>
    agent.type?.coding?.some((coding) => coding.system === CLIENT_SOURCE_TYPE),
  );
  const policy = event.agent.flatMap((agent) => agent.policy ?? []);
  const what = (event.entity ?? []).map((entity) => entity.what);
  const references = what
    .map((ref) => ref?.reference)
    .filter((ref): ref is string => typeof ref === 'string' && !ref.startsWith('Patient/'));
  const types = new Set<string>([
    ...what.map((ref) => ref?.type).filter((type): type is NonNullable<typeof type> => !!type),
    ...references.map((ref) => ref.split('/')[0] ?? ''),
  ]);
  return {
    id: event.id ?? '',
    recordedMs: Date.parse(event.recorded),
    interaction: event.subtype?.[0]?.code ?? 'access',
    outcome: OUTCOMES[event.outcome ?? ''] ?? 'failed',
    sub: person?.who?.identifier?.value,
    clientId: app?.who?.identifier?.value,
    types: [...types].filter(Boolean).sort(),
    references: [...new Set(references)],
    btg: (event.purposeOfEvent ?? []).some((reason) =>
      reason.coding?.some((coding) => coding.code === 'BTG'),
    ),
    shareId: fromUrn(policy, SHARE_URN),
    tokenId: fromUrn(policy, TOKEN_URN),
    event,
  };
}

const fromUrn = (values: string[], prefix: string) =>
  values.find((value) => value.startsWith(prefix))?.slice(prefix.length);

/**
 * The share behind each access made with an RPT, from this AS's own record of which policy
 * granted each RPT permission (heart-uma2.md Part 3.9: uma_rpt_permissions, by the RPT's grant):
 * the RS may not know it, the AS does. Answers the grant of every token named, for nameEntries.
 */
export async function resolveShares(
  kardia: Kardia,
  entries: HistoryEntry[],
): Promise<Map<string, { grantId: string | null; kind: string }>> {
  const db = kardia.store.db;
  const tokens = new Map<string, { grantId: string | null; kind: string }>();
  for (const batch of chunks(unique(entries.map((e) => e.tokenId)))) {
    const rows = await db
      .selectFrom('tokens')
      .select(['jti', 'grant_id', 'kind'])
      .where('jti', 'in', batch)
      .execute();
    rows.forEach((row) => tokens.set(row.jti, { grantId: row.grant_id, kind: row.kind }));
  }
  const umaGrants = unique(
    [...tokens.values()].filter((t) => t.kind === 'rpt').map((t) => t.grantId ?? undefined),
  );
  const policies = new Map<string, string>();
  for (const batch of chunks(umaGrants)) {
    const rows = await db
      .selectFrom('uma_rpt_permissions')
      .select(['grant_id', 'policy_id'])
      .where('grant_id', 'in', batch)
      .execute();
    rows.forEach((row) => policies.set(row.grant_id, row.policy_id));
  }
  for (const entry of entries) {
    const token = entry.tokenId ? tokens.get(entry.tokenId) : undefined;
    if (!entry.shareId && token?.kind === 'rpt' && token.grantId) {
      entry.shareId = policies.get(token.grantId);
    }
  }
  return tokens;
}

/**
 * Names each entry from the AS's own tables: the person (users), the app (clients), and the
 * grant that issued the token (tokens → consent_grants). Shares are named by `shareName`, which
 * the sharing pages provide.
 */
export async function nameEntries(
  kardia: Kardia,
  entries: HistoryEntry[],
  options: { dashboardClient?: string; shareName?: (id: string) => string | undefined } = {},
): Promise<void> {
  const db = kardia.store.db;
  const subs = unique(entries.map((e) => e.sub));
  const clients = unique(entries.map((e) => e.clientId));
  const people = new Map<string, string>();
  for (const batch of chunks(subs)) {
    const rows = await db
      .selectFrom('users')
      .select(['sub', 'name', 'username'])
      .where('sub', 'in', batch)
      .execute();
    rows.forEach((row) => people.set(row.sub, row.name ?? row.username));
  }
  const apps = new Map<string, string>();
  for (const batch of chunks(clients)) {
    const rows = await db
      .selectFrom('clients')
      .select(['client_id', 'client_name'])
      .where('client_id', 'in', batch)
      .execute();
    rows.forEach((row) => apps.set(row.client_id, row.client_name ?? 'an unnamed app'));
  }
  const tokens = await resolveShares(kardia, entries);
  for (const entry of entries) {
    entry.who = entry.sub
      ? (people.get(entry.sub) ?? 'someone outside this server')
      : 'someone without a valid token';
    entry.app = entry.clientId ? (apps.get(entry.clientId) ?? 'an unknown app') : 'not known';
    const share = entry.shareId ? options.shareName?.(entry.shareId) : undefined;
    const token = entry.tokenId ? tokens.get(entry.tokenId) : undefined;
    const grant = token?.kind === 'access' ? token.grantId : undefined;
    entry.through = entry.shareId
      ? `share: ${share ?? 'a share since removed'}`
      : grant
        ? `your permission to ${entry.app}`
        : entry.clientId && entry.clientId === options.dashboardClient
          ? 'your own signed-in session'
          : entry.tokenId
            ? 'a token without a standing permission'
            : '';
  }
}

const unique = (values: (string | undefined)[]) => [
  ...new Set(values.filter((v): v is string => !!v)),
];

function chunks<T>(values: T[], size = 200): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}
