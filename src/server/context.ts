import type { Logger } from 'pino';
import type { Settings } from '../config/settings.js';
import type { KeyStore } from '../keys/keystore.js';
import type { Store } from '../store/database.js';

/** What every part of the server is built from: settings, storage, keys and the log. */
export interface Kardia {
  settings: Settings;
  store: Store;
  keys: KeyStore;
  log: Logger;
  /** Endpoint URLs derived from the issuer, in one place. */
  urls: ServerUrls;
}

export interface ServerUrls {
  issuer: string;
  authorization: string;
  token: string;
  introspection: string;
  revocation: string;
  registration: string;
  jwks: string;
  userinfo: string;
  endSession: string;
  account: string;
  fhir: string;
}

export function serverUrls(issuer: string): ServerUrls {
  return {
    issuer,
    authorization: `${issuer}/authorize`,
    token: `${issuer}/token`,
    introspection: `${issuer}/introspect`,
    revocation: `${issuer}/revoke`,
    registration: `${issuer}/register`,
    jwks: `${issuer}/jwks`,
    userinfo: `${issuer}/userinfo`,
    endSession: `${issuer}/logout`,
    account: `${issuer}/account`,
    fhir: `${issuer}/fhir`,
  };
}
