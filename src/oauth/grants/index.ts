import { authorizationCodeGrant } from './authorization-code.js';
import { clientCredentialsGrant } from './client-credentials.js';
import type { GrantHandler } from './grant.js';
import { refreshTokenGrant } from './refresh-token.js';
import { umaTicketGrant } from '../../uma/grant/uma-ticket-grant.js';
import { UMA_TICKET_GRANT } from '../registration/grant-set.js';

/**
 * The grant types /token serves, by `grant_type` value. The password grant does not exist
 * (HEART OAuth §2.1). Each handler lives in its own file.
 */
export const grantHandlers: Record<string, GrantHandler> = {
  authorization_code: authorizationCodeGrant,
  client_credentials: clientCredentialsGrant,
  refresh_token: refreshTokenGrant,
  [UMA_TICKET_GRANT]: umaTicketGrant,
};
