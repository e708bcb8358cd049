import type { Bundle } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../server/context.js';
import { type Dashboard, dashboardPage } from './dashboard-context.js';
import { entriesOf, type HistoryEntry, nameEntries } from './history/history-entries.js';
import {
  applyHistoryFilter,
  dateParams,
  type HistoryFilter,
  parseHistoryFilter,
} from './history/history-filter.js';
import { sendPage } from './page-rendering.js';
import { dashboardClientId } from './record/dashboard-client.js';
import { withRecordReader } from './record/record-reader.js';
import { ownerApi } from './sharing/owner-api.js';
import { shareNames } from './sharing/share-names.js';
import { HistoryPage } from './views/history-page.js';

/**
 * How many accesses are read from each record: the newest ones.
 * Limitation: person, app, type and outcome are filtered here, on the newest 1000 accesses of the
 * date range; older ones need a narrower range. Lifting it needs those filters (and paging) in
 * the RS's AuditEvent search.
 */
const READ_LIMIT = 1000;

/**
 * History: every access to the owner's record, read from the RS's AuditEvents over HTTP
 * (record-reader.ts), named from the AS's own tables, filtered by person, app, type, outcome
 * and date, and exportable as a FHIR Bundle of the AuditEvents shown.
 */
export function registerHistory(app: FastifyInstance, kardia: Kardia): void {
  app.get(
    '/account/history',
    dashboardPage(kardia, async (dashboard, request, reply) => {
      const { filter, problems } = parseHistoryFilter(request.query);
      const names = await shareNames(kardia, ownerApi(kardia, request, dashboard));
      const { all, shown } = await readHistory(kardia, dashboard, filter, names);
      const page = HistoryPage({ dashboard, filter, all, shown, problems });
      return sendPage(reply, page, problems.length > 0 ? 400 : 200);
    }),
  );

  app.get(
    '/account/history/export',
    dashboardPage(kardia, async (dashboard, request, reply) => {
      const { filter } = parseHistoryFilter(request.query);
      const names = await shareNames(kardia, ownerApi(kardia, request, dashboard));
      const { shown } = await readHistory(kardia, dashboard, filter, names);
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        timestamp: new Date().toISOString(),
        total: shown.length,
        entry: shown.map((entry) => ({ resource: entry.event })),
      };
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="kardia-history-${day}.json"`)
        .type('application/fhir+json; charset=utf-8')
        .send(JSON.stringify(bundle, null, 2));
    }),
  );
}

async function readHistory(
  kardia: Kardia,
  dashboard: Dashboard,
  filter: HistoryFilter,
  names: Map<string, string>,
) {
  const sub = dashboard.user.sub;
  const own = await dashboardClientId(kardia);
  const all = await withRecordReader(kardia, sub, async (reader) => {
    const found: HistoryEntry[] = [];
    for (const record of await reader.records()) {
      const params: [string, string][] = [
        ['_count', String(READ_LIMIT)],
        ...dateParams(filter).map((value): [string, string] => ['date', value]),
      ];
      found.push(...entriesOf(await reader.auditEvents(record, params)));
    }
    return found.sort((a, b) => b.recordedMs - a.recordedMs);
  });
  await nameEntries(kardia, all, { dashboardClient: own, shareName: (id) => names.get(id) });
  // The filter's choices come from what the page can show: the owner's own views only on request.
  const visible = filter.includeOwnViews ? all : all.filter((entry) => entry.clientId !== own);
  return { all: visible, shown: applyHistoryFilter(all, filter, own) };
}
