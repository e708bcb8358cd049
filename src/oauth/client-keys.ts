import { importJWK, type JSONWebKeySet, type JWK } from 'jose';
import { OAuthError } from './errors.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
const MIN_RSA_BITS = 2048;

const invalidKeys = (description: string) => new OAuthError('invalid_client_metadata', description);

/**
 * Checks a client's public keys: a JWK Set (RFC 7517 §5, HEART OAuth §2.2.4), asymmetric, no
 * private members, RSA keys of at least 2048 bits (RFC 7518 §3.3), every key importable.
 * Returns the set with only the members a verifier needs.
 */
export async function validateClientJwks(input: unknown): Promise<JSONWebKeySet> {
  if (!input || typeof input !== 'object' || !Array.isArray((input as JSONWebKeySet).keys)) {
    throw invalidKeys('jwks must be a JWK Set: an object with a "keys" array');
  }
  const keys = (input as JSONWebKeySet).keys;
  if (keys.length === 0 || keys.length > 20) throw invalidKeys('jwks must hold 1 to 20 keys');
  const out: JWK[] = [];
  for (const key of keys) {
    if (!key || typeof key !== 'object') throw invalidKeys('each key must be a JWK object');
    if (PRIVATE_MEMBERS.some((m) => m in key)) {
      throw invalidKeys('jwks must hold public keys only');
    }
    if (key.kty !== 'RSA' && key.kty !== 'EC') throw invalidKeys('keys must be RSA or EC');
    if (key.kty === 'RSA') {
      const bits = typeof key.n === 'string' ? rsaModulusBits(key.n) : 0;
      if (bits < MIN_RSA_BITS) throw invalidKeys('RSA keys must have at least 2048 bits');
    }
    if (key.use !== undefined && key.use !== 'sig' && key.use !== 'enc') {
      throw invalidKeys('key use must be sig or enc');
    }
    try {
      await importJWK(key, key.alg ?? (key.kty === 'RSA' ? 'RS256' : 'ES256'));
    } catch {
      throw invalidKeys('a key in jwks could not be read');
    }
    out.push(key);
  }
  return { keys: out };
}

function rsaModulusBits(n: string): number {
  const bytes = Buffer.from(n, 'base64url');
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  if (start === bytes.length) return 0;
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start] ?? 0));
}
