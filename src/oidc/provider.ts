import type { FastifyInstance } from 'fastify';
import { responseModes } from '../oauth/authorize/check-response-type.js';
import { addAuthorizeCheck } from '../oauth/authorize/checks.js';
import { authorizeResponseExtensions } from '../oauth/authorize/extensions.js';
import { responders } from '../oauth/authorize/respond.js';
import { tokenResponseExtensions } from '../oauth/grants/authorization-code.js';
import { implicitResponseTypes } from '../oauth/registration/grant-set.js';
import { addMetadataValidator } from '../oauth/registration/metadata-validators.js';
import type { Kardia } from '../server/context.js';
import { checkIdTokenRequest } from './authorize/check-id-token-request.js';
import { checkOpenIdRequest } from './authorize/check-openid-request.js';
import { checkPrompt } from './authorize/check-prompt.js';
import { checkReauthentication } from './authorize/check-reauthentication.js';
import { checkRequestObject } from './authorize/check-request-object.js';
import { implicitResponders } from './authorize/respond-id-token.js';
import { finishOpenIdResponse } from './authorize/response.js';
import { registerOpenIdDiscovery } from './discovery.js';
import { registerEmailVerification } from './email-verification.js';
import { registerLogout } from './logout.js';
import { OIDC_METADATA_VALIDATORS } from './registration-metadata.js';
import { addIdToken } from './token-response.js';
import { registerUserInfo } from './userinfo.js';
import { registerTrustmark } from './vectors-of-trust.js';

let hooked = false;

/**
 * Plugs the OpenID provider into the authorization server's extension points, once per process:
 * its checks in /authorize's list, its implicit response types, the ID token in the code grant's
 * response, its registration metadata, and its discovery fields.
 */
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  addAuthorizeCheck(checkRequestObject, { after: 'checkClient' });
  addAuthorizeCheck(checkOpenIdRequest, { after: 'checkScope' });
  addAuthorizeCheck(checkIdTokenRequest, { after: 'checkOpenIdRequest' });
  addAuthorizeCheck(checkReauthentication, { after: 'checkLogin' });
  addAuthorizeCheck(checkPrompt, { after: 'checkConsent' });
  authorizeResponseExtensions.push(finishOpenIdResponse);
  // OIDC Core §3.2: the implicit flow's response types, for clients of the implicit grant.
  for (const [type, responder] of Object.entries(implicitResponders)) {
    responseModes[type] = 'fragment';
    responders[type] = responder;
    implicitResponseTypes.push(type);
  }
  tokenResponseExtensions.push(addIdToken);
  for (const validator of OIDC_METADATA_VALIDATORS) addMetadataValidator(validator);
  registerOpenIdDiscovery();
}

/** The OpenID provider (HEART OIDC): UserInfo, the trustmark, logout, email verification. */
export function registerOpenIdProvider(app: FastifyInstance, kardia: Kardia): void {
  installHooks();
  registerUserInfo(app, kardia);
  registerTrustmark(app, kardia);
  registerLogout(app, kardia);
  registerEmailVerification(app, kardia);
}
