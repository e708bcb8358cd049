import { readFileSync } from 'node:fs';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { newClientKeyPair } from '../../keys/client-key-pair.js';
import { SettingsError } from '../../config/settings.js';
import { addStaticClient } from '../../oauth/static-registration.js';
import type { Kardia } from '../../server/context.js';
import { nowSeconds } from '../../util/time.js';
import type { RsCredentials } from '../rs-credentials.js';
import { trustedIssuer } from '../rs-credentials.js';
import { PROTECTION_SCOPE } from './as-protection.js';
import { Sealer } from './sealed.js';

/**
 * The FHIR server as an OAuth client of its AS, for PATs (heart-uma2.md 3.1, HU-17): a HEART full
 * client with its own key, private_key_jwt, authorization_code with refresh_token, scope
 * `uma_protection`, and its redirect URI at the RS. Shaped like the RS's protected-resource
 * credentials, so the same back-channel code signs its assertions.
 */
export interface PatClient extends RsCredentials {
  redirectUri: string;
  sealer: Sealer;
}

/** Where the AS sends the owner back after they approved `uma_protection`. */
export const callbackUrl = (kardia: Kardia): string => `${kardia.urls.fhir}/uma/callback`;

/**
 * Split mode: the operator registered the client on the AS (`kardia client add ...`, see
 * settings.ts `rsUmaClientId`) and hands over its id and key. One-process mode: registered at
 * first start (bootstrap below). Undefined when UMA is not configured for a split RS.
 */
export async function loadPatClient(kardia: Kardia): Promise<PatClient | undefined> {
  const { settings } = kardia;
  const asIssuer = trustedIssuer(kardia);
  if (settings.rsUmaClientId) {
    const file = settings.rsUmaKeyFile ?? settings.rsKeyFile;
    if (!file) throw new SettingsError('KARDIA_RS_UMA_KEY_FILE is required');
    return fromJwk(kardia, asIssuer, settings.rsUmaClientId, readJwk(file));
  }
  if (settings.roles.includes('as') && asIssuer === settings.issuer) {
    return bootstrap(kardia, asIssuer);
  }
  return undefined;
}

function readJwk(file: string): JWK {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as JWK & { keys?: JWK[] };
    return parsed.keys ? (parsed.keys.find((key) => 'd' in key) ?? {}) : parsed;
  } catch {
    throw new SettingsError(`KARDIA_RS_UMA_KEY_FILE: ${file} does not hold a JSON JWK`);
  }
}

async function fromJwk(
  kardia: Kardia,
  asIssuer: string,
  clientId: string,
  jwk: JWK,
): Promise<PatClient> {
  const alg = jwk.alg ?? (jwk.kty === 'EC' ? 'ES256' : 'RS256');
  if (typeof jwk.d !== 'string' || !['RS256', 'PS256', 'ES256'].includes(alg)) {
    throw new SettingsError('the RS UMA client key must be a private RS256, PS256 or ES256 JWK');
  }
  let privateKey: CryptoKey;
  try {
    privateKey = (await importJWK(jwk, alg)) as CryptoKey;
  } catch {
    throw new SettingsError('the RS UMA client key could not be read');
  }
  return {
    asIssuer,
    clientId,
    privateKey,
    alg,
    kid: jwk.kid,
    redirectUri: callbackUrl(kardia),
    sealer: new Sealer(jwk.d),
  };
}

/**
 * One-process mode only, a deployment convenience like the RS's protected-resource registration
 * (rs-credentials.ts): the combined process makes a key, registers the client through the AS's
 * static registration exactly as `kardia client add` would, and keeps the key in the RS-side
 * `rs_uma_client` table. From then on everything goes over HTTP, as it would to another host.
 */
async function bootstrap(kardia: Kardia, asIssuer: string): Promise<PatClient> {
  const found = await readStored(kardia, asIssuer);
  if (found) return found;

  const { jwks, privateJwk } = await newClientKeyPair();
  const client = await addStaticClient(kardia, {
    name: 'Kardia FHIR server (UMA protection)',
    grant: 'authorization_code',
    refresh: true,
    redirectUris: [callbackUrl(kardia)],
    scope: PROTECTION_SCOPE,
    jwks,
  });
  // Two nodes starting at once both register; the first row wins, the other client stays unused.
  await kardia.store.db
    .insertInto('rs_uma_client')
    .values({
      as_issuer: asIssuer,
      client_id: client.clientId,
      private_jwk: JSON.stringify(privateJwk),
      created_at: nowSeconds(),
    })
    .onConflict((oc) => oc.column('as_issuer').doNothing())
    .execute();
  const stored = await readStored(kardia, asIssuer);
  if (!stored) throw new Error('the RS UMA client vanished after insert');
  kardia.log.info({ client_id: stored.clientId }, 'registered the FHIR server as a UMA client');
  return stored;
}

async function readStored(kardia: Kardia, asIssuer: string): Promise<PatClient | undefined> {
  const row = await kardia.store.db
    .selectFrom('rs_uma_client')
    .select(['client_id', 'private_jwk'])
    .where('as_issuer', '=', asIssuer)
    .executeTakeFirst();
  if (!row) return undefined;
  return fromJwk(kardia, asIssuer, row.client_id, JSON.parse(row.private_jwk) as JWK);
}
