import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startKardia, type TestServer } from '../helpers/server.js';

/**
 * HEART OAuth §6 (BCP 195): TLS 1.2 or later with strong suites. Kardia serves HTTPS itself when
 * given a certificate; this test makes a self-signed one with the system's openssl.
 */
let server: TestServer;
let port: number;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kardia-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  server = await startKardia({ tlsCertFile: cert, tlsKeyFile: key });
  port = Number(new URL(server.url).port);
});
afterAll(() => server.close());

function handshake(options: {
  minVersion: 'TLSv1' | 'TLSv1.2';
  maxVersion: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}) {
  return new Promise<{ protocol: string | null; cipher: string }>((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      rejectUnauthorized: false,
      // Let the client offer old protocols, so the refusal is the server's.
      ciphers: 'DEFAULT@SECLEVEL=0',
      ...options,
    });
    socket.once('secureConnect', () => {
      const result = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
      socket.end();
      resolve(result);
    });
    socket.once('error', reject);
  });
}

function getJson(path: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    request(
      { host: '127.0.0.1', port, path, servername: 'localhost', rejectUnauthorized: false },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
      },
    )
      .once('error', reject)
      .end();
  });
}

describe('TLS', () => {
  it('OA-SE-2 OIDC-SE-1 accepts TLS 1.2 with an AEAD suite and refuses TLS 1.0 and 1.1', async () => {
    const tls12 = await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    expect(tls12.protocol).toBe('TLSv1.2');
    expect(tls12.cipher).toMatch(/GCM|CHACHA20/);
    const tls13 = await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    expect(tls13.protocol).toBe('TLSv1.3');
    await expect(handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1' })).rejects.toThrow();
  });

  it('OA-AS-2 OIDC-SE-1 every endpoint in discovery is https', async () => {
    const metadata = await getJson('/.well-known/openid-configuration');
    const urls = Object.entries(metadata).filter(
      ([name, value]) =>
        typeof value === 'string' &&
        (name.endsWith('_endpoint') || name.endsWith('_uri') || name === 'issuer'),
    );
    expect(urls.length).toBeGreaterThan(5);
    for (const [, value] of urls) expect(String(value)).toMatch(/^https:\/\//);
  });

  it(
    'OA-AS-2 refuses to start with a plain-http issuer outside localhost',
    { timeout: 60_000 },
    async () => {
      const result = await runCli(['serve'], {
        KARDIA_ISSUER: 'http://records.example.org',
        KARDIA_DATABASE_URL: 'sqlite::memory:',
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('https');
    },
  );
});
