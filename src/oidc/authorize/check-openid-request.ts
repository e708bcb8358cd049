import {
  type AuthorizationContext,
  clientOf,
  invalidRequest,
} from '../../oauth/authorize/context.js';
import { OAuthError } from '../../oauth/errors.js';
import { parseScope } from '../../oauth/scopes.js';
import { registeredEncryption } from '../client-encryption.js';
import { readIdTokenHint } from '../id-token-hint.js';
import { parseMaxAge, parsePrompt } from '../prompt.js';
import { chooseVector, parseVtr } from '../vectors-of-trust.js';
import { idTokenInRedirect } from './check-id-token-request.js';
import { openIdRequest } from './state.js';

const MAX_NONCE = 255;

/**
 * The parameters of an authentication request (OIDC Core §3.1.2.1), read once the scopes are
 * known: a request with `openid` must carry a `nonce` (Kardia's choice for every HEART client,
 * OIDC-RP-1); `prompt`, `max_age`, `vtr`, `acr_values`, `id_token_hint` and `login_hint` are
 * checked here and acted on after login (checkReauthentication, checkPrompt).
 */
export async function checkOpenIdRequest(context: AuthorizationContext): Promise<void> {
  const found = openIdRequest(context);
  const { params, kardia } = context;
  // OIDC Core §3.1.2.1: an authentication request names `openid` in its own `scope`; one that
  // leans on the registered default scope is a plain OAuth request and gets no ID token.
  found.openid = parseScope(params.scope).includes('openid') && context.scopes.includes('openid');
  if (!found.openid) return;
  context.extra.openid = true;
  const client = clientOf(context);

  if (!params.nonce) throw invalidRequest('nonce is required for OpenID Connect requests');
  if (params.nonce.length > MAX_NONCE) throw invalidRequest('nonce is too long');
  context.extra.nonce = params.nonce;
  if (params.registration) {
    throw new OAuthError('registration_not_supported', 'use dynamic registration instead');
  }

  found.prompt = parsePrompt(params.prompt);
  found.maxAge = parseMaxAge(params.max_age, client.metadata.default_max_age);
  if (params.vtr !== undefined) {
    found.vtr = parseVtr(params.vtr);
    const best = { credentialAge: 0, delivery: delivery(context), encrypted: encrypts(context) };
    if (chooseVector(found.vtr, best) === 'unmet') {
      throw new OAuthError(
        'unmet_authentication_requirements',
        'no requested vector of trust can be met by this server',
      );
    }
  }
  const defaults = client.metadata.default_acr_values;
  found.acrValues = params.acr_values
    ? params.acr_values.split(' ').filter(Boolean)
    : Array.isArray(defaults)
      ? defaults.filter((v): v is string => typeof v === 'string')
      : [];

  if (params.id_token_hint) {
    const hint = await readIdTokenHint(kardia, params.id_token_hint);
    if (!hint || hint.clientId !== client.clientId) {
      throw invalidRequest('id_token_hint is not an ID token this server issued to this client');
    }
    found.idTokenHint = hint;
  }
  // Limitation: login_hint decides whether the session fits; the login form is not pre-filled
  // with it, which would take a parameter on the account pages' /login.
  if (params.login_hint) found.loginHint = params.login_hint.slice(0, 256).toLowerCase();
}

/** Whether the ID token will be encrypted to the client (the `Ad` vector value). */
export const encrypts = (context: AuthorizationContext): boolean =>
  registeredEncryption(clientOf(context), 'id_token') !== undefined;

/**
 * How the ID token reaches the client, for the `A` vector value: in the redirect for the
 * implicit response types that carry one (OIDC Core §3.2.2.5), else from the token endpoint.
 */
export const delivery = (context: AuthorizationContext): 'front' | 'back' =>
  idTokenInRedirect(context) ? 'front' : 'back';
