import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * PATs and refresh tokens are bearer credentials for an owner's whole protection API, so the RS
 * keeps them sealed (AES-256-GCM) and never logs them. The key is derived (HKDF-SHA256) from the
 * private key of the RS's own OAuth client: whoever can read a sealed PAT still needs that key.
 *
 * Limitation: in one-process mode the client key sits in the same database (`rs_uma_client`),
 * so sealing guards against logs, dumps of single tables and backups of the link table alone,
 * not against a full database copy; split mode keeps the key in a file outside the database.
 */
export class Sealer {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'kardia-rs-uma', 'pat sealing', 32));
  }

  seal(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
  }

  /** Undefined when the value was sealed with another key or altered. */
  unseal(sealed: string): string | undefined {
    const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
    if (!iv || !tag || !body) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
