import { type AuthorizationContext, clientOf } from '../../oauth/authorize/context.js';
import { readRequestObject } from '../request-object.js';
import { openIdRequest } from './state.js';

/**
 * OIDC Core §6, HEART OIDC §3.3: a `request` or `request_uri` replaces the parameters before
 * anything reads them, so a request that carries only `client_id` and the object (RFC 9101
 * style) works too. A refused object is redirected to the outer `redirect_uri` when that is
 * registered for the client, exactly (OIDC-RO-2); otherwise it is a page, like any request whose
 * return address is unknown.
 */
export async function checkRequestObject(context: AuthorizationContext): Promise<void> {
  const { params } = context;
  if (!params.request && !params.request_uri) return;
  const client = clientOf(context);
  try {
    const object = await readRequestObject(context.kardia, client, params);
    if (!object) return;
    context.params = object.params;
    context.state = object.params.state;
    openIdRequest(context).requestObject = { jti: object.jti, exp: object.exp };
  } catch (error) {
    const outer = params.redirect_uri;
    if (outer && client.redirectUris.includes(outer)) context.redirectUri = outer;
    throw error;
  }
}
