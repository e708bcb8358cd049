import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kardia } from '../server/context.js';
import {
  type Dashboard,
  dashboardAction,
  dashboardPage,
  doneRedirect,
} from './dashboard-context.js';
import { newFormId, ONCE_FIELD, submitOnce } from './form-once.js';
import { PageError } from './page-error.js';
import { sendPage } from './page-rendering.js';
import { type OwnerApi, OwnerApiError, ownerApi } from './sharing/owner-api.js';
import { sensitiveCategories, sharableParts } from './sharing/record-resources.js';
import {
  choiceFields,
  dayFromNow,
  partField,
  readShareForm,
  type ShareChoice,
  shareToPolicy,
} from './sharing/share-form.js';
import { RecordReader } from './record/record-reader.js';
import { previewShare } from './sharing/share-preview.js';
import { SharePage, SharePreviewPage } from './views/share-page.js';

/**
 * Share: choose a person by email, the parts of the record, read or read and write, and an end
 * date; see a preview of exactly what they would see; save. Saving creates a `grant` policy
 * through the UMA owner API (owner-api.ts); the person's first access goes through claims
 * gathering at Kardia, where they sign in (or create an account) and prove the address.
 */
export function registerShare(app: FastifyInstance, kardia: Kardia): void {
  app.get(
    '/account/share',
    dashboardPage(kardia, async (dashboard, request, reply) => {
      const query = request.query as Record<string, unknown>;
      const preselect = typeof query.resource === 'string' ? query.resource : undefined;
      return showForm(kardia, dashboard, request, reply, {
        email: '',
        partIds: preselect ? [preselect] : [],
        sensitive: [],
        access: 'read',
        until: dayFromNow(90),
      });
    }),
  );

  // heart-uma2.md 1.4 (HU-33): the RS's `user_access_policy_uri` for one resource lands here.
  app.get(
    '/account/resources/:id',
    dashboardPage(kardia, async (dashboard, request, reply) => {
      const { id } = request.params as { id: string };
      const target = `/account/share?${new URLSearchParams({ resource: id.slice(0, 200) })}`;
      return reply.redirect(dashboard.path(target), 303);
    }),
  );

  app.post(
    '/account/share/preview',
    dashboardAction(kardia, async (dashboard, form, request, reply) => {
      const api = ownerApi(kardia, request, dashboard);
      const { parts, categories } = await sharingChoices(api);
      const { choice, problems } = readShareForm(form, parts, categories);
      if (problems.length > 0) {
        return showForm(kardia, dashboard, request, reply, choice, problems, 400);
      }
      if (form.step === 'edit') return showForm(kardia, dashboard, request, reply, choice);
      const preview = await previewShare(kardia, dashboard.user.sub, choice, parts);
      const page = SharePreviewPage({
        dashboard,
        choice,
        parts,
        preview,
        fields: { ...choiceFields(choice), [ONCE_FIELD]: newFormId() },
      });
      return sendPage(reply, page);
    }),
  );

  app.post(
    '/account/share',
    dashboardAction(kardia, async (dashboard, form, request, reply) => {
      const api = ownerApi(kardia, request, dashboard);
      const { parts, categories } = await sharingChoices(api);
      const { choice, problems } = readShareForm(form, parts, categories);
      if (problems.length > 0) {
        return showForm(kardia, dashboard, request, reply, choice, problems, 400);
      }
      await submitOnce(kardia, form[ONCE_FIELD]);
      try {
        await api.createPolicy(shareToPolicy(kardia, choice, parts));
      } catch (error) {
        throw refusedShare(error);
      }
      request.log.info({ event: 'share_created', sub: dashboard.user.sub }, 'share created');
      return doneRedirect(reply, dashboard, '/account/shares', 'shared');
    }),
  );
}

/** The parts the owner can share: only resources registered in their own name. */
export async function sharingChoices(api: OwnerApi) {
  const parts = sharableParts(await api.resources());
  return { parts, categories: sensitiveCategories(parts) };
}

async function showForm(
  kardia: Kardia,
  dashboard: Dashboard,
  request: FastifyRequest,
  reply: FastifyReply,
  choice: ShareChoice,
  problems: string[] = [],
  status = 200,
): Promise<FastifyReply> {
  const { parts, categories } = await sharingChoices(ownerApi(kardia, request, dashboard));
  const checked = new Set(choice.partIds.map(partField));
  const connect = parts.length === 0 ? await connectLinks(kardia, dashboard.user.sub) : [];
  return sendPage(
    reply,
    SharePage({ dashboard, choice, parts, categories, problems, checked, connect }),
    status,
  );
}

/**
 * Where the owner connects a record to sharing: each RS that keeps one of their records offers
 * `<FHIR base>/uma/connect` (src/access/uma/connect-endpoints.ts), which links the record to this
 * AS through the code flow (heart-uma2.md 3.1) and registers it as UMA resources.
 */
async function connectLinks(kardia: Kardia, sub: string): Promise<string[]> {
  const records = await new RecordReader(kardia, sub).records();
  return [...new Set(records.map((record) => `${record.resource}/uma/connect`))];
}

/** The owner API's refusal, said to a person; nothing was saved. */
export function refusedShare(error: unknown): unknown {
  if (!(error instanceof OwnerApiError)) return error;
  const text =
    error.code === 'invalid_resource_id'
      ? 'A part you chose is not in your record. Nothing was shared.'
      : error.code === 'invalid_scope'
        ? 'A kind of access you chose is not offered for every part. Nothing was shared.'
        : error.code === 'not_found'
          ? 'This share does not exist, or is not yours. Nothing was changed.'
          : 'The share could not be saved as it was. Nothing was changed.';
  return new PageError(
    error.status >= 500 ? 502 : error.status === 404 ? 404 : 400,
    'Not saved',
    text,
    {
      detail: `owner API: ${error.status} ${error.code}`,
    },
  );
}
