import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  assertionParams,
  postForm,
  resourceServer,
  staticClientCredentialsClient,
  type TestClient,
} from '../helpers/clients.js';
import { startKardia, type TestServer } from '../helpers/server.js';

/**
 * `kardia keys rotate` (issue 2): the new key is published at once and signs new tokens, while
 * the old public key stays in the JWK Set so that tokens it signed still verify until they expire.
 */
let server: TestServer;
let client: TestClient;
let rs: TestClient;

const kids = async () =>
  ((await (await fetch(`${server.url}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map(
    (k) => k.kid,
  );

async function token(): Promise<string> {
  const response = await postForm(`${server.url}/token`, {
    grant_type: 'client_credentials',
    ...(await assertionParams(client, `${server.url}/token`)),
  });
  return String(response.body.access_token);
}

beforeAll(async () => {
  server = await startKardia();
  client = await staticClientCredentialsClient(server);
  rs = await resourceServer(server);
});
afterAll(() => server.close());

describe('signing key rotation', () => {
  it(
    'OA-DS-4 OA-DS-5 OA-JW-6 publishes the new key at once, signs with it, keeps the old one',
    { timeout: 60_000 },
    async () => {
      const before = await kids();
      const oldToken = await token();
      const oldKid = decodeProtectedHeader(oldToken).kid;
      expect(before).toContain(oldKid);

      const rotated = await runCli(['keys', 'rotate', '--json'], {
        KARDIA_DATABASE_URL: server.database.url,
      });
      expect(rotated.code).toBe(0);
      const newKid = (JSON.parse(rotated.stdout) as { kid: string }).kid;

      const after = await kids();
      expect(after).toContain(newKid);
      expect(after).toContain(oldKid);

      // A node looks for a rotated key every few seconds; within that, new tokens use the new key.
      let signedWith: string | undefined;
      for (let i = 0; i < 40 && signedWith !== newKid; i++) {
        signedWith = decodeProtectedHeader(await token()).kid;
        if (signedWith !== newKid) await new Promise((r) => setTimeout(r, 250));
      }
      expect(signedWith).toBe(newKid);

      const introspection = await postForm(`${server.url}/introspect`, {
        token: oldToken,
        ...(await assertionParams(rs, `${server.url}/introspect`)),
      });
      expect(introspection.body.active).toBe(true);
    },
  );
});
