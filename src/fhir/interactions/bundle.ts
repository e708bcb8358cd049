import type { Bundle } from '@medplum/fhirtypes';
import { allOk } from '../outcome.js';
import { readBody } from '../router/negotiate.js';
import type { InteractionContext, InteractionResult } from './context.js';

/**
 * `POST [base]` with a batch or transaction Bundle (FHIR-32). Each entry is authorized on its
 * own (HEART FHIR §1.4 step 3) and audited; a transaction is all or nothing.
 */
export async function bundle(context: InteractionContext): Promise<InteractionResult> {
  const body = context.parsedBody ?? readBody(context.request, 'resource');
  const response: Bundle = await context.repo.transaction(body, {
    owner: context.caller?.owner,
    authorizeEntry: context.authorizeEntry,
    afterEntry: context.auditEntry,
  });
  const touched = (response.entry ?? []).flatMap((entry) =>
    entry.response?.location ? [entry.response.location.split('/_history')[0] as string] : [],
  );
  // Prefer: return=minimal leaves the resources out of the response entries (spec Part 3.3).
  if (context.prefer.return === 'minimal')
    for (const entry of response.entry ?? []) delete entry.resource;
  return { outcome: allOk, resource: response, touched };
}
