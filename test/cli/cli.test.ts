import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeKeyPair } from '../helpers/clients.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

/** DESIGN.md's CLI contract: --help, --json, exit 0 on success, one-line reason otherwise. */
let database: TestDatabase;
let env: Record<string, string>;
let jwksFile: string;

beforeAll(async () => {
  database = await createTestDatabase();
  env = { KARDIA_DATABASE_URL: database.url };
  jwksFile = join(tmpdir(), `kardia-cli-${process.pid}.jwks.json`);
  writeFileSync(jwksFile, JSON.stringify((await makeKeyPair()).jwks));
});
afterAll(() => database.drop());

describe('kardia CLI', () => {
  it('migrate creates the schema and says so as JSON', async () => {
    const first = await runCli(['migrate', '--json'], env);
    expect(first.code).toBe(0);
    expect((JSON.parse(first.stdout) as { applied: string[] }).applied.length).toBeGreaterThan(0);
    const again = await runCli(['migrate', '--json'], env);
    expect(JSON.parse(again.stdout)).toEqual({ applied: [] });
  });

  it("user add reads the password from stdin and prints the user's sub", async () => {
    const result = await runCli(
      ['user', 'add', 'dana', '--password-stdin', '--email', 'dana@example.org'],
      env,
      'correct horse battery\n',
    );
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    const duplicate = await runCli(
      ['user', 'add', 'dana', '--password-stdin'],
      env,
      'another password\n',
    );
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr.trim().split('\n')).toHaveLength(1);
    expect(duplicate.stderr).toContain('taken');
  });

  it('OA-DA-3 client add is the way to a client_credentials client, printed as JSON', async () => {
    const result = await runCli(
      [
        'client',
        'add',
        '--name',
        'Exporter',
        '--grant',
        'client_credentials',
        '--jwks-file',
        jwksFile,
        '--scope',
        'system/*.read',
      ],
      env,
    );
    expect(result.code).toBe(0);
    const client = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(client.client_id).toBeTruthy();
    expect(client.grant_types).toEqual(['client_credentials']);
    expect(client.registration).toBe('static');
    expect(client).not.toHaveProperty('client_secret');
  });

  it('resource-server add registers a protected resource, printed as JSON', async () => {
    const result = await runCli(
      ['resource-server', 'add', '--name', 'Records', '--jwks-file', jwksFile],
      env,
    );
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { client_id: string }).client_id).toBeTruthy();
  });

  it('refuses bad input with one line and a non-zero exit', async () => {
    const badGrant = await runCli(
      ['client', 'add', '--name', 'X', '--grant', 'password', '--jwks-file', jwksFile],
      env,
    );
    expect(badGrant.code).not.toBe(0);
    expect(badGrant.stderr.trim().split('\n')).toHaveLength(1);
    const missingFile = await runCli(
      ['resource-server', 'add', '--name', 'X', '--jwks-file', '/nonexistent.json'],
      env,
    );
    expect(missingFile.code).not.toBe(0);
    expect(missingFile.stderr).toMatch(/^kardia: /);
    const badUrl = await runCli(['migrate'], { KARDIA_DATABASE_URL: 'mysql://nowhere' });
    expect(badUrl.code).not.toBe(0);
    expect(badUrl.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('every command answers --help', { timeout: 240_000 }, async () => {
    const commands = [
      [],
      ['serve'],
      ['migrate'],
      ['user', 'add'],
      ['client', 'add'],
      ['resource-server', 'add'],
      ['keys', 'rotate'],
      ['fhir', 'import'],
    ];
    for (let i = 0; i < commands.length; i += 2) {
      const pair = commands.slice(i, i + 2).map((c) => runCli([...c, '--help'], env));
      for (const result of await Promise.all(pair)) {
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(result.stdout).toContain('Usage: kardia');
      }
    }
  });
});
