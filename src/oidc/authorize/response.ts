import type { AuthorizationContext } from '../../oauth/authorize/context.js';
import { consumeRequestObject } from '../request-object.js';
import { openIdRequest } from './state.js';

/**
 * Runs as the authorization response is issued: the request object that led to it is used up
 * now (its `jti` remembered until `exp`), so the same object never yields a second response.
 */
export async function finishOpenIdResponse(context: AuthorizationContext): Promise<void> {
  const object = openIdRequest(context).requestObject;
  const clientId = context.client?.clientId;
  if (object && clientId) await consumeRequestObject(context.kardia, clientId, object);
}
