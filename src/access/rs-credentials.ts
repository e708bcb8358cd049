import { readFileSync } from 'node:fs';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { newClientKeyPair } from '../keys/client-key-pair.js';
import { SettingsError } from '../config/settings.js';
import { addResourceServer } from '../oauth/static-registration.js';
import type { Kardia } from '../server/context.js';
import { nowSeconds } from '../util/time.js';

/** The RS's own protected-resource registration at the AS it trusts (HEART OAuth §3.2.2). */
export interface RsCredentials {
  /** The AS these credentials are registered at: its issuer URL. */
  asIssuer: string;
  clientId: string;
  privateKey: CryptoKey;
  alg: string;
  kid: string | undefined;
}

const ALGORITHMS = ['RS256', 'PS256', 'ES256'];

/** The AS this RS trusts: `--as` in split mode, otherwise this server itself (OA-PR-7). */
export const trustedIssuer = (kardia: Kardia): string =>
  (kardia.settings.as ?? kardia.settings.issuer).replace(/\/+$/, '');

/** The RS's identifier, the value it expects in a token's `aud` (OA-PR-5, HFO-16). */
export const resourceIdentifier = (kardia: Kardia): string => kardia.urls.fhir;

/**
 * Split mode (`--roles rs --as <url>`): the operator registered the RS on the AS with
 * `kardia resource-server add --resource <this issuer>/fhir` and hands over the client_id
 * (KARDIA_RS_CLIENT_ID) and the private key (KARDIA_RS_KEY_FILE). One-process mode: the RS
 * registers itself at first start (see bootstrap below).
 */
export async function loadRsCredentials(kardia: Kardia): Promise<RsCredentials> {
  const { settings } = kardia;
  const asIssuer = trustedIssuer(kardia);
  if (settings.rsClientId) {
    if (!settings.rsKeyFile) throw new SettingsError('KARDIA_RS_KEY_FILE is required');
    return fromKeyFile(asIssuer, settings.rsClientId, settings.rsKeyFile);
  }
  if (settings.roles.includes('as') && asIssuer === settings.issuer) {
    return bootstrap(kardia, asIssuer);
  }
  throw new SettingsError(
    'KARDIA_RS_CLIENT_ID and KARDIA_RS_KEY_FILE are required when the RS trusts another AS',
  );
}

async function fromKeyFile(asIssuer: string, clientId: string, file: string) {
  let jwk: JWK;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as JWK & { keys?: JWK[] };
    jwk = parsed.keys ? (parsed.keys.find((key) => 'd' in key) ?? {}) : parsed;
  } catch {
    throw new SettingsError(`KARDIA_RS_KEY_FILE: ${file} does not hold a JSON JWK`);
  }
  return importCredentials(asIssuer, clientId, jwk);
}

async function importCredentials(
  asIssuer: string,
  clientId: string,
  jwk: JWK,
): Promise<RsCredentials> {
  const alg = jwk.alg ?? (jwk.kty === 'EC' ? 'ES256' : 'RS256');
  if (!('d' in jwk) || !ALGORITHMS.includes(alg)) {
    throw new SettingsError('KARDIA_RS_KEY_FILE must hold a private RS256, PS256 or ES256 JWK');
  }
  try {
    const privateKey = (await importJWK(jwk, alg)) as CryptoKey;
    return { asIssuer, clientId, privateKey, alg, kid: jwk.kid };
  } catch {
    throw new SettingsError('KARDIA_RS_KEY_FILE: the key could not be read');
  }
}

/**
 * One-process mode only, a deployment convenience: the combined process makes the RS key, keeps
 * it in the RS-side `rs_credentials` table, and registers the RS through the AS's own
 * static registration, exactly as `kardia resource-server add` would, with `resource` = the FHIR
 * base URL. From then on the RS talks to the AS over HTTP like any protected resource.
 */
async function bootstrap(kardia: Kardia, asIssuer: string): Promise<RsCredentials> {
  const found = await readStored(kardia, asIssuer);
  if (found) return found;

  const { jwks, privateJwk } = await newClientKeyPair();
  const registration = await addResourceServer(kardia, {
    name: 'Kardia FHIR server',
    jwks,
    resource: resourceIdentifier(kardia),
  });
  // Limitation: like the AS signing keys, the RS key is stored as a plain JWK.
  // Two nodes starting at once both register; the first row wins and the other registration
  // stays unused (harmless: it has no rights beyond introspection).
  await kardia.store.db
    .insertInto('rs_credentials')
    .values({
      as_issuer: asIssuer,
      client_id: registration.clientId,
      private_jwk: JSON.stringify(privateJwk),
      created_at: nowSeconds(),
    })
    .onConflict((oc) => oc.column('as_issuer').doNothing())
    .execute();
  const stored = await readStored(kardia, asIssuer);
  if (!stored) throw new Error('RS credentials vanished after insert');
  kardia.log.info({ client_id: stored.clientId }, 'registered the FHIR server at its AS');
  return stored;
}

async function readStored(kardia: Kardia, asIssuer: string) {
  const row = await kardia.store.db
    .selectFrom('rs_credentials')
    .select(['client_id', 'private_jwk'])
    .where('as_issuer', '=', asIssuer)
    .executeTakeFirst();
  if (!row) return undefined;
  return importCredentials(asIssuer, row.client_id, JSON.parse(row.private_jwk) as JWK);
}
