import type { Resource } from '@medplum/fhirtypes';
import { allOk, badRequest, createdOk, noContent } from '../outcome.js';
import type { WriteOptions } from '../repository/repository.js';
import { ifMatch, readBody } from '../router/negotiate.js';
import type { InteractionContext, InteractionResult } from './context.js';
import { keyOf, versionOf } from './context.js';

/** Create and conditional create (FHIR-6, FHIR-21): 201 with Location, or 200 for one match. */
export async function create(context: InteractionContext): Promise<InteractionResult> {
  const body = readBody(context.request, 'resource');
  const type = context.route.interaction.resourceType as string;
  if ((body as { resourceType?: unknown })?.resourceType !== type) {
    throw badRequest('resourceType does not match the URL', ['resourceType']);
  }
  const result = await context.repo.create(body, {
    ...writeOptions(context),
    ifNoneExist: context.request.headers['if-none-exist'],
  });
  return written(result.resource, result.created);
}

/** Update, and create-on-update (FHIR-8, FHIR-9, FHIR-10). */
export async function update(context: InteractionContext): Promise<InteractionResult> {
  const body = readBody(context.request, 'resource') as Partial<Resource>;
  const { resourceType, id } = context.route.interaction;
  if (body?.resourceType !== resourceType) {
    throw badRequest('resourceType does not match the URL', ['resourceType']);
  }
  if (body.id === undefined)
    throw badRequest('the body of an update needs the id', [`${resourceType}.id`]);
  if (body.id !== id)
    throw badRequest('the body id differs from the URL id', [`${resourceType}.id`]);
  const result = await context.repo.update(body, {
    ...writeOptions(context),
    ifMatch: ifMatch(context.request),
  });
  return written(result.resource, result.created);
}

/** JSON Patch (FHIR-12): only `application/json-patch+json`; other patch formats are 415. */
export async function patch(context: InteractionContext): Promise<InteractionResult> {
  const operations = readBody(context.request, 'patch');
  const { resourceType, id } = context.route.interaction as { resourceType: string; id: string };
  const resource = await context.repo.patch(resourceType, id, operations, {
    ...writeOptions(context),
    ifMatch: ifMatch(context.request),
  });
  return written(resource, false);
}

/** Delete (FHIR-13): always 204, also for an unknown or already deleted id. */
export async function remove(context: InteractionContext): Promise<InteractionResult> {
  const { resourceType, id } = context.route.interaction as { resourceType: string; id: string };
  await context.repo.delete(resourceType, id, writeOptions(context));
  return { outcome: noContent, touched: [`${resourceType}/${id}`] };
}

function writeOptions(context: InteractionContext): WriteOptions {
  const caller = context.caller;
  if (!caller) return {};
  return { owner: caller.owner, scope: caller.write, readScope: caller.read };
}

function written(resource: Resource, created: boolean): InteractionResult {
  return {
    outcome: created ? createdOk : allOk,
    resource,
    version: versionOf(resource),
    location: created,
    preferApplies: true,
    touched: [keyOf(resource)],
  };
}
