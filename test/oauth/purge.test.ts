import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired, startPurging } from '../../src/oauth/purge.js';
import { randomToken } from '../../src/util/random.js';
import { clientCredentialsToken, introspect, requestToken } from '../helpers/back-channel.js';
import {
  clientAssertion,
  postForm,
  resourceServer,
  staticClientCredentialsClient,
  type TestClient,
} from '../helpers/clients.js';
import { startKardia, type TestServer } from '../helpers/server.js';

/** The purge of expired rows: what is past its time goes, in batches; what is live stays. */
let server: TestServer;
let client: TestClient;
let rs: TestClient;

beforeAll(async () => {
  server = await startKardia();
  client = await staticClientCredentialsClient(server);
  rs = await resourceServer(server);
});
afterAll(() => server.close());

const now = () => Math.floor(Date.now() / 1000);
const db = () => server.kardia.store.db;
const HOUR = 3600;

/** Rows of every purged table, each marked `live` or `dead` in its id. */
async function seed(tag: string) {
  const t = now();
  const code = (id: string, expiresAt: number) => ({
    code_hash: `${tag}-${id}`,
    client_id: client.clientId,
    sub: 'someone',
    grant_id: 'g',
    redirect_uri: 'https://client.example/cb',
    scope: 'openid',
    code_challenge: null,
    nonce: null,
    auth_time: t,
    extra: '{}',
    expires_at: expiresAt,
    used_at: null,
  });
  await db()
    .insertInto('authorization_codes')
    .values([
      code('dead', t - 2 * HOUR),
      // Expired a minute ago: kept for an hour so a late replay is still recognised.
      code('live-replay-window', t - 60),
      code('live', t + 60),
    ])
    .execute();

  const token = (id: string, expiresAt: number, revokedAt: number | null = null) => ({
    jti: `${tag}-${id}`,
    kind: 'access',
    client_id: client.clientId,
    sub: 'someone',
    scope: '',
    grant_id: null,
    parent: null,
    expires_at: expiresAt,
    revoked_at: revokedAt,
    created_at: t - 10,
  });
  await db()
    .insertInto('tokens')
    .values([
      token('dead', t - HOUR),
      token('dead-revoked', t - HOUR, t - 2 * HOUR),
      token('live', t + HOUR),
      token('live-revoked', t + HOUR, t - 5),
    ])
    .execute();

  await db()
    .insertInto('login_sessions')
    .values([
      {
        id_hash: `${tag}-dead`,
        sub: 's',
        auth_time: t,
        amr: '[]',
        expires_at: t - 1,
        created_at: t,
      },
      {
        id_hash: `${tag}-live`,
        sub: 's',
        auth_time: t,
        amr: '[]',
        expires_at: t + HOUR,
        created_at: t,
      },
    ])
    .execute();

  await db()
    .insertInto('rate_limits')
    .values([
      { bucket: `${tag}-dead`, count: 3, window_start: t - 2 * 86_400 },
      { bucket: `${tag}-live`, count: 3, window_start: t - 60 },
    ])
    .execute();

  // More expired jtis than one batch holds, so several batches must run.
  const jtis = Array.from({ length: 1_234 }, (_, i) => ({
    client_id: client.clientId,
    jti: `${tag}-dead-${i}`,
    expires_at: t - 1 - (i % 100),
  }));
  for (let i = 0; i < jtis.length; i += 200) {
    await db()
      .insertInto('assertion_jtis')
      .values(jtis.slice(i, i + 200))
      .execute();
  }
  await db()
    .insertInto('assertion_jtis')
    .values({ client_id: client.clientId, jti: `${tag}-live`, expires_at: t + 120 })
    .execute();
}

/** The ids left in each table that start with `tag`, in order. */
async function remaining(tag: string) {
  const like = `${tag}-%`;
  const ids = async (rows: Promise<{ id: string }[]>) => (await rows).map((r) => r.id).sort();
  return {
    codes: await ids(
      db()
        .selectFrom('authorization_codes')
        .select('code_hash as id')
        .where('code_hash', 'like', like)
        .execute(),
    ),
    tokens: await ids(
      db().selectFrom('tokens').select('jti as id').where('jti', 'like', like).execute(),
    ),
    sessions: await ids(
      db()
        .selectFrom('login_sessions')
        .select('id_hash as id')
        .where('id_hash', 'like', like)
        .execute(),
    ),
    rateLimits: await ids(
      db().selectFrom('rate_limits').select('bucket as id').where('bucket', 'like', like).execute(),
    ),
    jtis: await ids(
      db().selectFrom('assertion_jtis').select('jti as id').where('jti', 'like', like).execute(),
    ),
  };
}

const LIVE_ONLY = (tag: string) => ({
  codes: [`${tag}-live`, `${tag}-live-replay-window`],
  tokens: [`${tag}-live`, `${tag}-live-revoked`],
  sessions: [`${tag}-live`],
  rateLimits: [`${tag}-live`],
  jtis: [`${tag}-live`],
});

describe('purge of expired rows', () => {
  it('deletes expired codes, tokens, assertion jtis, sessions and old rate-limit rows; keeps live ones', async () => {
    const tag = `p${randomToken(6)}`;
    await seed(tag);
    const before = await remaining(tag);
    expect(before.jtis).toHaveLength(1_235);
    expect(before.tokens).toHaveLength(4);

    const deleted = await purgeExpired(server.kardia);
    expect(deleted.assertion_jtis).toBeGreaterThanOrEqual(1_234);
    expect(deleted.tokens).toBeGreaterThanOrEqual(2);
    expect(await remaining(tag)).toEqual(LIVE_ONLY(tag));

    // A second run finds nothing more of these.
    await purgeExpired(server.kardia);
    expect(await remaining(tag)).toEqual(LIVE_ONLY(tag));
  });

  it('leaves live tokens active and used assertion jtis refused', async () => {
    const token = await clientCredentialsToken(server, client);
    const assertion = await clientAssertion(client, `${server.url}/token`);
    const form = {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    };
    expect((await postForm(`${server.url}/token`, form)).status).toBe(200);

    await purgeExpired(server.kardia);

    expect((await introspect(server, rs, token)).body.active).toBe(true);
    expect((await postForm(`${server.url}/token`, form)).status).toBe(401);
    expect((await requestToken(server, client, { grant_type: 'client_credentials' })).status).toBe(
      200,
    );
  });

  it('the timer purges on its own and stops when asked', async () => {
    const tag = `t${randomToken(6)}`;
    await seed(tag);
    const stop = startPurging(server.kardia, 50);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const left = await remaining(tag);
      if (left.jtis.length === 1 && left.tokens.length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await stop();
    expect(await remaining(tag)).toEqual(LIVE_ONLY(tag));

    // Stopped: rows expiring now stay until something purges again.
    const later = `s${randomToken(6)}`;
    await db()
      .insertInto('assertion_jtis')
      .values({ client_id: client.clientId, jti: `${later}-dead`, expires_at: now() - 5 })
      .execute();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await remaining(later)).jtis).toEqual([`${later}-dead`]);
  });
});
