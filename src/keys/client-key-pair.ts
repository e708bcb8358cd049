import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface ClientKeyPair {
  /** The JWK Set to register at the AS: the public key only. */
  jwks: { keys: JWK[] };
  /** The private key, to keep where the client signs its assertions. */
  privateJwk: JWK & { kid: string; alg: string };
}

/**
 * A fresh RS256 key pair (2048 bits) for one of Kardia's own clients of its AS (the FHIR
 * server's protected-resource registration, its UMA protection client), `kid` = the RFC 7638
 * thumbprint.
 */
export async function newClientKeyPair(): Promise<ClientKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', {
    modulusLength: 2048,
    extractable: true,
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    jwks: { keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] },
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256' },
  };
}
