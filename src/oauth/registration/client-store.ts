import type { Kardia } from '../../server/context.js';
import { nowSeconds } from '../../util/time.js';
import { OAuthError } from '../errors.js';
import type { ClientDraft } from './metadata-validators.js';
import { newRegistrationToken, type RegistrationRow } from './registration-token.js';

/**
 * RFC 7592 §2.2: replaces a client's metadata, and its registration access token in the same
 * statement (see rotateRegistrationToken). `updated_at` always moves forward, even twice in one
 * second, since cached client keys are keyed by it (clientKeys in clients.ts).
 */
export async function replaceClient(
  kardia: Kardia,
  registration: RegistrationRow,
  draft: ClientDraft,
  statementIssuer: string | null,
): Promise<string> {
  const current = await kardia.store.db
    .selectFrom('clients')
    .select('updated_at')
    .where('client_id', '=', registration.clientId)
    .executeTakeFirst();
  const next = newRegistrationToken();
  const result = await kardia.store.db
    .updateTable('clients')
    .set({
      client_name: draft.clientName,
      metadata: JSON.stringify(draft.metadata),
      grant_types: JSON.stringify(draft.grantTypes),
      response_types: JSON.stringify(draft.responseTypes),
      redirect_uris: JSON.stringify(draft.redirectUris),
      token_endpoint_auth_method: draft.authMethod,
      jwks: draft.jwks ? JSON.stringify(draft.jwks) : null,
      jwks_uri: draft.jwksUri,
      scope: draft.scope,
      software_statement_issuer: statementIssuer,
      registration_access_token_hash: next.hash,
      updated_at: Math.max(nowSeconds(), (current?.updated_at ?? 0) + 1),
    })
    .where('client_id', '=', registration.clientId)
    .where('registration_access_token_hash', '=', registration.tokenHash)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new OAuthError('invalid_token', 'the registration access token is not valid', {
      detail: 'token used concurrently',
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  }
  return next.token;
}

/**
 * RFC 7592 §2.3: deletes a client. Its tokens are revoked (their rows stay, so a signed token
 * still verifies as revoked), its consents end and its unused codes go, all in one transaction.
 */
export async function deleteClient(kardia: Kardia, registration: RegistrationRow): Promise<void> {
  const now = nowSeconds();
  const { clientId } = registration;
  await kardia.store.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .execute();
    await trx
      .updateTable('consent_grants')
      .set({ revoked_at: now })
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .execute();
    await trx.deleteFrom('authorization_codes').where('client_id', '=', clientId).execute();
    await trx
      .deleteFrom('clients')
      .where('client_id', '=', clientId)
      .where('registration_access_token_hash', '=', registration.tokenHash)
      .execute();
  });
}
