import { createUser } from '../../src/account/users.js';
import { randomToken } from '../../src/util/random.js';
import type { TestServer } from './server.js';

export interface TestUser {
  sub: string;
  username: string;
  password: string;
  email: string | null;
  name: string | null;
}

let counter = 0;

/** Creates an account directly in the server's database, as `kardia user add` would. */
export async function createTestUser(
  server: TestServer,
  options: { username?: string; password?: string; email?: string; name?: string } = {},
): Promise<TestUser> {
  counter += 1;
  const username = options.username ?? `user${counter}-${randomToken(4).toLowerCase()}`;
  const password = options.password ?? `pw-${randomToken(12)}`;
  const user = await createUser(server.kardia, {
    username,
    password,
    email: options.email,
    name: options.name,
    emailVerified: Boolean(options.email),
  });
  return { sub: user.sub, username: user.username, password, email: user.email, name: user.name };
}
