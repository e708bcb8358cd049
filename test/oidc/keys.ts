import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { makeKeyPair, type KeyPair } from '../helpers/clients.js';

/** A client's RSA-OAEP key for receiving encrypted ID tokens and UserInfo answers. */
export interface EncryptionKey {
  privateKey: CryptoKey;
  publicJwk: JWK & { kid: string };
}

export async function makeEncryptionKey(alg = 'RSA-OAEP'): Promise<EncryptionKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    modulusLength: 2048,
    extractable: true,
  });
  const kid = `enc-${randomBytes(6).toString('hex')}`;
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'enc' } };
}

/** A signing key and an encryption key, both published in the client's `jwks`. */
export async function signingAndEncryptionKeys(alg = 'RSA-OAEP'): Promise<{
  keys: KeyPair;
  encryption: EncryptionKey;
}> {
  const keys = await makeKeyPair();
  const encryption = await makeEncryptionKey(alg);
  keys.jwks = { keys: [keys.publicJwk, encryption.publicJwk] };
  return { keys, encryption };
}
