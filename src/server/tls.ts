import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { SettingsError, type Settings } from '../config/settings.js';

/**
 * HEART OAuth §6 and RFC 7525 (BCP 195) §4.2: TLS 1.2 or later; AEAD suites with forward
 * secrecy only. TLS 1.3 suites are always those OpenSSL allows, all of them AEAD.
 */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** The HTTPS options for the listener, or undefined when Kardia serves plain HTTP. */
export function tlsOptions(settings: Settings): (TlsOptions & SecureContextOptions) | undefined {
  if (!settings.tlsCertFile && !settings.tlsKeyFile) return undefined;
  if (!settings.tlsCertFile || !settings.tlsKeyFile) {
    throw new SettingsError('KARDIA_TLS_CERT_FILE and KARDIA_TLS_KEY_FILE go together');
  }
  return {
    cert: readPem(settings.tlsCertFile),
    key: readPem(settings.tlsKeyFile),
    minVersion: 'TLSv1.2',
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
  };
}

function readPem(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new SettingsError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}
