import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/account/users.js';
import { sendEmailVerification } from '../../src/oidc/email-verification.js';
import { registerCodeClient, type RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { formFields, UserAgent } from '../helpers/user-agent.js';
import { codeFlow } from './flow.js';

const run = promisify(execFile);

let server: TestServer;
let client: RegisteredClient;

beforeAll(async () => {
  server = await startKardia();
  client = await registerCodeClient(server, { scope: 'openid email' });
});
afterAll(() => server.close());

/** The `kardia` CLI against the test server's own database. */
async function kardia(...args: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', '--database-url', server.database.url, ...args],
    { env: { ...process.env, KARDIA_ISSUER: server.url, KARDIA_LOG_LEVEL: 'error' } },
  );
  return stdout;
}

async function emailClaims(agent: UserAgent, username: string, password: string) {
  const login = await codeFlow(
    server,
    agent,
    { sub: '', username, password, email: null, name: null },
    client,
    {
      scope: 'openid email',
    },
  );
  const info = await fetch(`${server.url}/userinfo`, {
    headers: { authorization: `Bearer ${String(login.tokens.access_token)}` },
  });
  return (await info.json()) as { email?: string; email_verified?: boolean };
}

describe('email verification', () => {
  it('OIDC-UI-1 says email_verified only once the link from the outbox was followed', async () => {
    const password = 'correct horse battery';
    await createUser(server.kardia, {
      username: 'rosalind',
      password,
      email: 'rosalind@example.org',
      emailVerified: false,
    });
    const agent = new UserAgent(server);
    expect(await emailClaims(agent, 'rosalind', password)).toMatchObject({
      email: 'rosalind@example.org',
      email_verified: false,
    });

    expect(await kardia('outbox', 'verify-email', 'rosalind')).toContain('outbox');
    const messages = JSON.parse(
      await kardia('outbox', '--json', '--to', 'rosalind@example.org'),
    ) as {
      to: string;
      body: string;
    }[];
    expect(messages).toHaveLength(1);
    const link = /https?:\/\/\S+\/email\/verify\?token=[\w-]+/.exec(messages[0]?.body ?? '')?.[0];
    expect(link).toBeTruthy();

    // Opening the link alone changes nothing (a mail scanner may open it); the button does.
    const landing = await agent.get(String(link));
    expect(landing.status).toBe(200);
    const fields = formFields(await landing.text(), 'action="/email/verify"');
    expect((await emailClaims(agent, 'rosalind', password)).email_verified).toBe(false);
    expect((await agent.postForm('/email/verify', fields)).status).toBe(200);
    expect((await emailClaims(agent, 'rosalind', password)).email_verified).toBe(true);

    const reused = await agent.postForm('/email/verify', fields);
    expect(reused.status).toBe(400);
  }, 60_000);

  it('refuses a link for an address the account no longer has, and a forged token', async () => {
    await createUser(server.kardia, {
      username: 'alan',
      password: 'enigma-enigma',
      email: 'alan@example.org',
    });
    await server.kardia.store.db
      .updateTable('users')
      .set({ email_verified: 0 })
      .where('username', '=', 'alan')
      .execute();
    const user = await server.kardia.store.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', 'alan')
      .executeTakeFirstOrThrow();
    const link = new URL(await sendEmailVerification(server.kardia, user.sub));
    await server.kardia.store.db
      .updateTable('users')
      .set({ email: 'turing@example.org' })
      .where('sub', '=', user.sub)
      .execute();
    const agent = new UserAgent(server);
    const token = link.searchParams.get('token') ?? '';
    expect((await agent.postForm('/email/verify', { token })).status).toBe(400);
    expect((await agent.postForm('/email/verify', { token: 'forged' })).status).toBe(400);
    const after = await server.kardia.store.db
      .selectFrom('users')
      .select('email_verified')
      .where('sub', '=', user.sub)
      .executeTakeFirstOrThrow();
    expect(after.email_verified).toBe(0);
  });
});
