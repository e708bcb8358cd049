import { CompactEncrypt, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import type { Client } from '../oauth/clients.js';
import { OAuthError } from '../oauth/errors.js';
import type { Kardia } from '../server/context.js';
import { fetchClientJwks } from './client-jwks.js';

/** Key-management algorithms Kardia encrypts with (RFC 7518 §4.3), RSA keys only. */
export const ENCRYPTION_ALGORITHMS = ['RSA-OAEP', 'RSA-OAEP-256'] as const;
/** Content-encryption algorithms (RFC 7518 §5.1). */
export const CONTENT_ENCRYPTION = ['A128CBC-HS256', 'A256CBC-HS512', 'A128GCM', 'A256GCM'] as const;

/** The default `enc` when a client registers an `alg` alone (OIDC Registration §2). */
export const DEFAULT_CONTENT_ENCRYPTION = 'A128CBC-HS256';

/** A client key fit to encrypt with `alg`: RSA, meant for encryption or unrestricted. */
export function encryptionJwk(jwks: JSONWebKeySet | null, alg: string): JWK | undefined {
  return jwks?.keys.find(
    (key) =>
      key.kty === 'RSA' &&
      (key.use === undefined || key.use === 'enc') &&
      (key.alg === undefined || key.alg === alg) &&
      (key.key_ops === undefined || key.key_ops.includes('encrypt')),
  );
}

/**
 * Encrypts `plaintext` to the client's public key (RFC 7516), as its registration asked for a
 * response (`*_encrypted_response_alg` / `_enc`). `cty: JWT` marks a nested, signed JWT.
 */
export async function encryptToClient(
  kardia: Kardia,
  client: Client,
  plaintext: string,
  settings: { alg: string; enc: string; nested: boolean },
): Promise<string> {
  const jwks = client.jwks ?? (client.jwksUri ? await fetchClientJwks(kardia, client) : null);
  const jwk = encryptionJwk(jwks, settings.alg);
  if (!jwk) {
    throw new OAuthError('invalid_request', 'the client has no key to encrypt the response to', {
      detail: `client ${client.clientId} registered encryption without an RSA encryption key`,
    });
  }
  const key = await importJWK({ ...jwk, alg: settings.alg }, settings.alg);
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({
      alg: settings.alg,
      enc: settings.enc,
      ...(jwk.kid ? { kid: jwk.kid } : {}),
      ...(settings.nested ? { cty: 'JWT' } : {}),
    })
    .encrypt(key);
}

/** The encryption a client registered for one kind of response, if any. */
export function registeredEncryption(
  client: Client,
  prefix: 'id_token' | 'userinfo',
): { alg: string; enc: string } | undefined {
  const alg = client.metadata[`${prefix}_encrypted_response_alg`];
  if (typeof alg !== 'string') return undefined;
  const enc = client.metadata[`${prefix}_encrypted_response_enc`];
  return { alg, enc: typeof enc === 'string' ? enc : DEFAULT_CONTENT_ENCRYPTION };
}
