import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import type { Store } from '../store/database.js';
import { nowSeconds } from '../util/time.js';

export interface PublicJwk extends JWK {
  kid: string;
  kty: string;
  alg: string;
  use: string;
}

interface LoadedKey {
  kid: string;
  alg: string;
  use: string;
  publicJwk: PublicJwk;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  retired: boolean;
}

/** How often a node looks for a key rotated by another process, in milliseconds. */
const RELOAD_INTERVAL_MS = 5_000;

/**
 * The server's signing keys. One RS256 key signs; retired keys stay published until every token
 * they signed has expired. Keys live in the database so that every node signs with the same key
 * and publishes the same JWK Set.
 */
export class KeyStore {
  private keys = new Map<string, LoadedKey>();
  private active: LoadedKey | undefined;
  private encryption: LoadedKey | undefined;
  private loadedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(private readonly store: Store) {}

  /** Makes the first key when the database has none. */
  async init(): Promise<void> {
    await this.reload();
    if (!this.active) {
      await addSigningKey(this.store);
      await this.reload();
    }
    if (!this.encryption) {
      await addEncryptionKey(this.store);
      await this.reload();
    }
  }

  async sign(payload: JWTPayload, typ: string): Promise<string> {
    const key = await this.activeKey();
    return new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
      .sign(key.privateKey);
  }

  async activeKey(): Promise<LoadedKey> {
    if (Date.now() - this.loadedAt > RELOAD_INTERVAL_MS) await this.reload();
    if (!this.active) throw new Error('no active signing key');
    return this.active;
  }

  /** The public key for a `kid` this server published, reloading once on a miss. */
  async publicKey(kid: string): Promise<CryptoKey | undefined> {
    let key = this.keys.get(kid);
    if (!key) {
      await this.reload();
      key = this.keys.get(kid);
    }
    // Only signing keys verify: an encryption key's kid never passes for a signature.
    return key?.use === 'sig' ? key.publicKey : undefined;
  }

  /**
   * The private key that opens a JWE sent to this server (OIDC Core §6.1 encrypted request
   * objects): the `use: enc` key named by `kid`, or the current one when no `kid` is given.
   */
  async decryptionKey(kid: string | undefined): Promise<CryptoKey | undefined> {
    if (kid === undefined) {
      if (Date.now() - this.loadedAt > RELOAD_INTERVAL_MS) await this.reload();
      return this.encryption?.privateKey;
    }
    let key = this.keys.get(kid);
    if (!key) {
      await this.reload();
      key = this.keys.get(kid);
    }
    return key?.use === 'enc' ? key.privateKey : undefined;
  }

  async jwks(): Promise<{ keys: PublicJwk[] }> {
    await this.reload();
    return { keys: [...this.keys.values()].map((k) => k.publicJwk) };
  }

  async reload(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    const now = nowSeconds();
    const rows = await this.store.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('publish_until', 'is', null), eb('publish_until', '>', now)]))
      .orderBy('created_at', 'desc')
      .execute();
    const next = new Map<string, LoadedKey>();
    let active: LoadedKey | undefined;
    let encryption: LoadedKey | undefined;
    for (const row of rows) {
      const known = this.keys.get(row.kid);
      const loaded = known ?? (await importRow(row));
      loaded.retired = row.retired_at !== null;
      next.set(row.kid, loaded);
      if (!loaded.retired && loaded.use === 'sig' && !active) active = loaded;
      if (!loaded.retired && loaded.use === 'enc' && !encryption) encryption = loaded;
    }
    this.keys = next;
    this.active = active;
    this.encryption = encryption;
    this.loadedAt = Date.now();
  }
}

async function importRow(row: {
  kid: string;
  alg: string;
  use: string;
  private_jwk: string;
  public_jwk: string;
}): Promise<LoadedKey> {
  const publicJwk = JSON.parse(row.public_jwk) as PublicJwk;
  const privateKey = (await importJWK(JSON.parse(row.private_jwk) as JWK, row.alg)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, row.alg)) as CryptoKey;
  return {
    kid: row.kid,
    alg: row.alg,
    use: row.use,
    publicJwk,
    privateKey,
    publicKey,
    retired: false,
  };
}

/**
 * Generates a 2048-bit RS256 key and makes it the signing key. The previous signing key retires
 * and stays published for `retentionSeconds`, longer than any token it signed can live.
 */
export async function addSigningKey(store: Store, retentionSeconds = 90_000): Promise<PublicJwk> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', {
    modulusLength: 2048,
    extractable: true,
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const published: PublicJwk = { ...publicJwk, kid, kty: 'RSA', alg: 'RS256', use: 'sig' };
  const now = nowSeconds();
  // Limitation: private keys are stored as plain JWK in the database; wrapping them with a key
  // from the environment (or a KMS) would keep a database dump from yielding signing keys.
  await store.db.transaction().execute(async (tx) => {
    await tx
      .updateTable('signing_keys')
      .set({ retired_at: now, publish_until: now + retentionSeconds })
      .where('retired_at', 'is', null)
      .where('use', '=', 'sig')
      .execute();
    await tx
      .insertInto('signing_keys')
      .values({
        kid,
        alg: 'RS256',
        use: 'sig',
        private_jwk: JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'RS256' }),
        public_jwk: JSON.stringify(published),
        created_at: now,
        retired_at: null,
        publish_until: null,
      })
      .execute();
  });
  return published;
}

/**
 * Generates a 2048-bit RSA-OAEP key published with `use: enc`, so clients can encrypt request
 * objects to this server (HEART OIDC §3.3, OIDC-RO-3). It never signs.
 */
// Limitation: `kardia keys rotate` rotates the signing key only; rotating the encryption key
// would take the same retire-then-unpublish steps as addSigningKey, keyed on `use: enc`.
export async function addEncryptionKey(store: Store): Promise<PublicJwk> {
  const alg = 'RSA-OAEP';
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    modulusLength: 2048,
    extractable: true,
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const published: PublicJwk = { ...publicJwk, kid, kty: 'RSA', alg, use: 'enc' };
  await store.db
    .insertInto('signing_keys')
    .values({
      kid,
      alg,
      use: 'enc',
      private_jwk: JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg }),
      public_jwk: JSON.stringify(published),
      created_at: nowSeconds(),
      retired_at: null,
      publish_until: null,
    })
    .execute();
  return published;
}
