import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../server/context.js';
import { CSRF_FIELD, checkSessionCsrf } from './csrf.js';
import { dashboardPage, noticeOf } from './dashboard-context.js';
import { formBody } from './form-body.js';
import { sendPage } from './page-rendering.js';
import { pagePath } from './paths.js';
import { chartChoices, chartData, summarizeRecord } from './record/overview.js';
import { withRecordReader } from './record/record-reader.js';
import { currentSession, endSession } from './session.js';
import { RecordPage } from './views/record-page.js';

const NOTICES = {
  welcome: 'Your account is ready. We sent a link to your email address to confirm it.',
  password: 'Your password is changed. Other devices signed in to your account are signed out.',
};

/** The dashboard's home, My record: the owner's record by part, and a chart; and signing out. */
export function registerAccountHome(app: FastifyInstance, kardia: Kardia): void {
  app.get(
    '/account',
    dashboardPage(kardia, async (dashboard, request, reply) => {
      const query = request.query as Record<string, unknown>;
      const wanted = typeof query.chart === 'string' ? query.chart : undefined;
      const page = await withRecordReader(kardia, dashboard.user.sub, async (reader) => {
        const records = await reader.records();
        if (records.length === 0) {
          return { summaries: undefined, chartChoices: [], chart: undefined };
        }
        const summaries = await summarizeRecord(reader, records);
        const choices = chartChoices(summaries);
        const code = wanted ?? choices[0]?.code;
        const chart = code ? await chartData(reader, records, code) : undefined;
        return { summaries, chartChoices: choices, chart };
      });
      const notice = noticeOf(request, NOTICES);
      return sendPage(reply, RecordPage({ dashboard, ...page, notice }));
    }),
  );

  app.post('/account/logout', async (request, reply) => {
    const form = formBody(request);
    const session = await currentSession(kardia, request);
    if (session) {
      await checkSessionCsrf(kardia, session, form[CSRF_FIELD]);
      await endSession(kardia, request, reply);
      request.log.info({ event: 'logout', sub: session.sub }, 'signed out');
    }
    return reply.redirect(`${pagePath(kardia, '/login')}?signed_out=1`, 303);
  });
}
