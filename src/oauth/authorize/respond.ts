import { touchGrant } from '../consent-grants.js';
import type { AuthorizationContext } from './context.js';
import { authorizeResponseExtensions } from './extensions.js';
import { redirectLocation } from './redirect.js';
import { respondWithCode } from './respond-code.js';
import { respondWithToken } from './respond-token.js';

type Responder = (context: AuthorizationContext) => Promise<Record<string, string>>;

/** What each response type answers with; a type added to `responseModes` needs one here. */
export const responders: Record<string, Responder> = {
  code: respondWithCode,
  token: respondWithToken,
};

/**
 * The successful answer: the responder's members, the extensions' additions, then `state`
 * exactly as sent, redirected to the exact registered URI.
 */
export async function authorizationResponse(context: AuthorizationContext): Promise<string> {
  const responder = context.responseType ? responders[context.responseType] : undefined;
  if (!responder || !context.redirectUri) throw new Error('no responder for this request');
  const response = await responder(context);
  for (const extend of authorizeResponseExtensions) await extend(context, response);
  // A code's grant is marked used when the code is redeemed; every other type is used now.
  if (context.grant && context.responseType !== 'code') {
    await touchGrant(context.kardia, context.grant.id);
  }
  return redirectLocation(context.redirectUri, context.responseMode, {
    ...response,
    state: context.state,
  });
}
