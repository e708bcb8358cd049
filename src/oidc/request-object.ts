import {
  compactDecrypt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { SIGNING_ALGORITHMS, CLOCK_SKEW } from '../oauth/client-auth.js';
import { clientKeys, type Client } from '../oauth/clients.js';
import { OAuthError } from '../oauth/errors.js';
import type { Kardia } from '../server/context.js';
import { nowSeconds } from '../util/time.js';
import { CONTENT_ENCRYPTION, ENCRYPTION_ALGORITHMS } from './client-encryption.js';
import { fetchRequestUri } from './request-uri.js';

/** Algorithms a request object may be signed with (HEART OIDC §3.3); never `none`. */
export const REQUEST_OBJECT_SIGNING_ALGORITHMS = SIGNING_ALGORITHMS;
/** A request object may not claim to live longer than this, seconds (Kardia's reading). */
export const MAX_REQUEST_OBJECT_LIFETIME = 3600;

/** Members of a request object that describe the object itself, not the request. */
const ENVELOPE_CLAIMS = ['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'sub'];

export interface RequestObject {
  /** The authorization request parameters, the object's values winning over the outer ones. */
  params: Record<string, string>;
  /** The object's `jti` and `exp`, to be consumed when the response is issued. */
  jti: string;
  exp: number;
}

const invalidObject = (description: string, detail?: string) =>
  new OAuthError('invalid_request_object', description, detail ? { detail } : {});

/**
 * OIDC Core §6: reads `request` (by value) or `request_uri` (by reference), opens it when it is
 * encrypted to Kardia's `use: enc` key, checks the signature against the client's registered key
 * and answers the merged parameters. Undefined when the request carries neither.
 */
export async function readRequestObject(
  kardia: Kardia,
  client: Client,
  outer: Record<string, string>,
): Promise<RequestObject | undefined> {
  if (outer.request && outer.request_uri) {
    throw new OAuthError('invalid_request', 'send request or request_uri, not both');
  }
  const compact =
    outer.request ?? (outer.request_uri ? await fetchRequestUri(kardia, client, outer) : '');
  if (!compact) return undefined;

  const signed = await openEncrypted(kardia, compact.trim());
  const payload = await verifySignature(client, signed);
  const { jti, exp } = await checkEnvelope(kardia, client, payload);
  const inner = objectParams(payload);
  if (inner.client_id !== undefined && inner.client_id !== client.clientId) {
    throw invalidObject('client_id in the request object does not match');
  }
  // OIDC Core §6.1: response_type outside and inside must agree (RFC 9101 lets the outer one go).
  const outerType = outer.response_type;
  if (
    outerType !== undefined &&
    inner.response_type !== undefined &&
    inner.response_type !== outerType
  ) {
    throw invalidObject('response_type in the request object does not match');
  }
  const params: Record<string, string> = { ...outer, ...inner };
  delete params.request;
  delete params.request_uri;
  return { params, jti, exp };
}

/** OIDC Core §6.1: a JWE to the OP's key wraps the signed object (a nested JWT). */
async function openEncrypted(kardia: Kardia, compact: string): Promise<string> {
  const parts = compact.split('.');
  if (parts.length === 3) return compact;
  if (parts.length !== 5) throw invalidObject('the request object is not a JWS or a JWE');
  let header;
  try {
    header = decodeProtectedHeader(compact);
  } catch {
    throw invalidObject('the request object header cannot be read');
  }
  const { alg, enc, kid } = header as { alg?: string; enc?: string; kid?: string };
  if (!isOneOf(alg, ENCRYPTION_ALGORITHMS) || !isOneOf(enc, CONTENT_ENCRYPTION)) {
    throw invalidObject('the request object is encrypted with an unsupported algorithm');
  }
  const key = await kardia.keys.decryptionKey(kid);
  if (!key) throw invalidObject('the request object is encrypted to an unknown key');
  try {
    const { plaintext } = await compactDecrypt(compact, key, {
      keyManagementAlgorithms: [...ENCRYPTION_ALGORITHMS],
      contentEncryptionAlgorithms: [...CONTENT_ENCRYPTION],
    });
    const inner = new TextDecoder().decode(plaintext).trim();
    if (inner.split('.').length !== 3)
      throw invalidObject('the encrypted request object is unsigned');
    return inner;
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw invalidObject('the request object could not be decrypted', describe(error));
  }
}

/** HEART OIDC §3.3: signed with a key registered for the client; `alg: none` is refused. */
async function verifySignature(client: Client, jws: string): Promise<JWTPayload> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(jws).alg;
  } catch {
    throw invalidObject('the request object header cannot be read');
  }
  if (!isOneOf(alg, REQUEST_OBJECT_SIGNING_ALGORITHMS)) {
    throw invalidObject('the request object must be signed with RS256, PS256 or ES256');
  }
  const registered = client.metadata.request_object_signing_alg;
  if (typeof registered === 'string' && registered !== alg) {
    throw invalidObject('the request object is not signed with the registered algorithm');
  }
  const keys = clientKeys(client);
  if (!keys) throw invalidObject('the client has no registered key');
  try {
    const { payload } = await jwtVerify(jws, keys, {
      algorithms: [alg],
      clockTolerance: CLOCK_SKEW,
    });
    return payload;
  } catch (error) {
    throw invalidObject('the request object signature or claims are not valid', describe(error));
  }
}

/**
 * Kardia's reading of OIDC Core §6.1's SHOULDs, made MUSTs for health data: `iss` is the client,
 * `aud` is this issuer, `exp` within the hour, `iat` not in the future, and a `jti` that has not
 * been used before.
 */
async function checkEnvelope(kardia: Kardia, client: Client, payload: JWTPayload) {
  const now = nowSeconds();
  const { iss, aud, exp, iat, jti } = payload;
  if (iss !== client.clientId) throw invalidObject('the request object iss must be the client_id');
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(kardia.urls.issuer)) {
    throw invalidObject('the request object aud must be the issuer');
  }
  if (typeof exp !== 'number') throw invalidObject('the request object must carry exp');
  if (exp - now > MAX_REQUEST_OBJECT_LIFETIME + CLOCK_SKEW) {
    throw invalidObject('the request object exp is too far ahead');
  }
  if (typeof iat !== 'number' || iat > now + CLOCK_SKEW) {
    throw invalidObject('the request object iat is missing or in the future');
  }
  if (typeof jti !== 'string' || jti.length < 16 || jti.length > 256) {
    throw invalidObject('the request object must carry a jti of at least 128 bits');
  }
  const seen = await kardia.store.db
    .selectFrom('request_object_jtis')
    .select('jti')
    .where('client_id', '=', client.clientId)
    .where('jti', '=', jti)
    .executeTakeFirst();
  if (seen) throw invalidObject('the request object was already used');
  return { jti, exp };
}

/**
 * Marks a request object used, once its authorization response is issued. A login round trip
 * may read the same object again before that; a second response never follows. The primary key
 * makes the check atomic on every node.
 */
export async function consumeRequestObject(
  kardia: Kardia,
  clientId: string,
  object: { jti: string; exp: number },
): Promise<void> {
  const now = nowSeconds();
  await kardia.store.db.deleteFrom('request_object_jtis').where('expires_at', '<', now).execute();
  const result = await kardia.store.db
    .insertInto('request_object_jtis')
    .values({ client_id: clientId, jti: object.jti, expires_at: object.exp + CLOCK_SKEW })
    .onConflict((oc) => oc.columns(['client_id', 'jti']).doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) !== 1) {
    throw invalidObject('the request object was already used');
  }
}

/** Request parameters are strings; numbers (`max_age`) and JSON values (`vtr`, `claims`) too. */
function objectParams(payload: JWTPayload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (ENVELOPE_CLAIMS.includes(name) || value === null || value === undefined) continue;
    if (name === 'request' || name === 'request_uri') {
      throw invalidObject('a request object must not hold another request');
    }
    out[name] =
      typeof value === 'string'
        ? value
        : typeof value === 'number' || typeof value === 'boolean'
          ? String(value)
          : JSON.stringify(value);
  }
  return out;
}

function isOneOf<T extends string>(value: unknown, list: readonly T[]): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}

const describe = (error: unknown): string =>
  error instanceof joseErrors.JOSEError ? error.code : 'invalid';
