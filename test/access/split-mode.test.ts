import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessFor } from '../../src/access/feature.js';
import { findLaunchPatient } from '../../src/access/launch/launch-patients.js';
import { setPatientOwner } from '../../src/fhir/repository/owners.js';
import { addResourceServer } from '../../src/oauth/static-registration.js';
import { randomToken } from '../../src/util/random.js';
import { clientCredentialsToken, revoke } from '../helpers/back-channel.js';
import { makeKeyPair, staticClientCredentialsClient, type TestClient } from '../helpers/clients.js';
import { createTestDatabase } from '../helpers/database.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import {
  authorize,
  bearer,
  expectAllowed,
  expectRefused,
  lastAllowedAfter,
  signWithAsKey,
} from './helpers.js';

/**
 * Split mode: an AS-only Kardia and an RS-only Kardia with `as` set, each with its own
 * database, so nothing is shared but HTTP. The RS is registered on the AS as the operator would
 * (`kardia resource-server add --resource <rs>/fhir`) and gets its client_id and private key
 * through KARDIA_RS_CLIENT_ID and KARDIA_RS_KEY_FILE.
 */
let as: TestServer;
let rs: TestServer;
let client: TestClient;
let rsIdentifier: string;
let rsClientId: string;
const dir = mkdtempSync(join(tmpdir(), 'kardia-rs-key-'));

beforeAll(async () => {
  as = await startKardia({ roles: ['as'] });
  // The RS's public base URL, as a reverse proxy would publish it; tests reach its socket.
  const rsIssuer = `https://rs-${randomToken(6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')}.example`;
  rsIdentifier = `${rsIssuer}/fhir`;
  const keys = await makeKeyPair();
  const registration = await addResourceServer(as.kardia, {
    name: 'Records RS',
    jwks: keys.jwks,
    resource: rsIdentifier,
  });
  rsClientId = registration.clientId;
  const keyFile = join(dir, 'rs-key.json');
  const privateJwk = {
    ...(await exportJWK(keys.privateKey)),
    kid: keys.publicJwk.kid,
    alg: 'RS256',
  };
  writeFileSync(keyFile, JSON.stringify(privateJwk));
  rs = await startKardia({
    roles: ['rs'],
    as: as.url,
    issuer: rsIssuer,
    rsClientId,
    rsKeyFile: keyFile,
  });
  client = await staticClientCredentialsClient(as, 'user/*.read');
});
afterAll(async () => {
  await rs.close();
  await as.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('split mode: the RS trusts an AS in another server', () => {
  it('OA-PR-1 OA-PR-5 OA-PR-7 accepts a token of the trusted AS carrying its identifier in aud', async () => {
    const token = await clientCredentialsToken(as, client);
    const caller = expectAllowed(await authorize(rs, bearer(token)));
    expect(caller.audit.client_id).toBe(client.clientId);
  });

  it('OA-PR-7 refuses a token signed by the RS server itself or any other issuer', async () => {
    // A token from a Kardia the RS does not trust: correctly signed, wrong issuer.
    const other = await startKardia();
    try {
      const foreign = await signWithAsKey(other, { aud: rsIdentifier });
      expectRefused(await authorize(rs, bearer(foreign)), 401, /error="invalid_token"/);
    } finally {
      await other.close();
    }
  });

  it('OA-IN-6 OA-PR-8 refuses a revoked token within one second across the two servers', async () => {
    const token = await clientCredentialsToken(as, client);
    expectAllowed(await authorize(rs, bearer(token)));
    expect((await revoke(as, client, { token })).status).toBe(200);
    const revokedAt = Date.now();
    const outcome = await lastAllowedAfter(revokedAt, async () => {
      const result = await authorize(rs, bearer(token));
      return !('status' in result);
    });
    expect(outcome.refused).toBe(true);
    expect(outcome.lastAllowed).toBeLessThan(1_000);
    expectRefused(await authorize(rs, bearer(token)), 401, /error="invalid_token"/);
  });

  it('HFO-10 serves its SMART configuration with the endpoints of the AS it trusts', async () => {
    const response = await fetch(`${rs.url}/fhir/.well-known/smart-configuration`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.issuer).toBe(as.url);
    expect(body.token_endpoint).toBe(`${as.url}/token`);
    expect(body.scopes_supported).toEqual(expect.arrayContaining(['conf/R', 'sens/PSY', 'btg']));
  });

  it('HFO-17 tells the AS which Patient an account owns here, with its own key over HTTP', async () => {
    const access = await accessFor(rs.kardia);
    expect(await access.announceOwner('owner-sub-1', 'example')).toBe(true);
    const found = await findLaunchPatient(as.kardia, 'owner-sub-1');
    expect(found).toEqual({ sub: 'owner-sub-1', resource: rsIdentifier, patientId: 'example' });
  });

  it('HFO-17 reports the owners of its records to the AS, new ones included', async () => {
    await setPatientOwner(rs.kardia.store.db, 'pat1', 'owner-sub-2');
    const { ownerSync } = await accessFor(rs.kardia);
    await ownerSync.runOnce();
    expect(await findLaunchPatient(as.kardia, 'owner-sub-2')).toEqual({
      sub: 'owner-sub-2',
      resource: rsIdentifier,
      patientId: 'pat1',
    });
  });

  it('the RS has no AS routes and starts only with its credentials', async () => {
    expect((await fetch(`${rs.url}/token`, { method: 'POST' })).status).toBe(404);
    const database = await createTestDatabase();
    try {
      await expect(startKardia({ roles: ['rs'], as: as.url }, { database })).rejects.toThrow(
        /KARDIA_RS_CLIENT_ID/,
      );
    } finally {
      await database.drop();
    }
  });
});
