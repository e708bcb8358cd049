import argon2 from 'argon2';
import type { Kardia } from '../server/context.js';
import type { UserTable } from '../store/tables.js';
import { randomToken } from '../util/random.js';
import { nowSeconds } from '../util/time.js';

export interface NewUser {
  username: string;
  password: string;
  email?: string | undefined;
  name?: string | undefined;
  emailVerified?: boolean;
}

export class UserError extends Error {}

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,63}$/;

/** Argon2id with the library's defaults (64 MiB, t=3, p=4), RFC 9106's second recommendation. */
export const hashPassword = (password: string): Promise<string> =>
  argon2.hash(password, { type: argon2.argon2id });

/** A hash of a random password, verified against when the username is unknown (equal timing). */
let decoyHash: Promise<string> | undefined;

export async function createUser(kardia: Kardia, input: NewUser): Promise<UserTable> {
  const username = input.username.trim().toLowerCase();
  if (!USERNAME.test(username)) {
    throw new UserError('username: 1-64 characters of a-z, 0-9, ".", "_" or "-"');
  }
  if (input.password.length < 8 || input.password.length > 1024) {
    throw new UserError('password: 8 to 1024 characters');
  }
  const email = input.email?.trim().toLowerCase() || null;
  if (email && !EMAIL.test(email)) throw new UserError('email: not an email address');
  const existing = await kardia.store.db
    .selectFrom('users')
    .select('sub')
    .where('username', '=', username)
    .executeTakeFirst();
  if (existing) throw new UserError(`username ${username} is taken`);

  const user: UserTable = {
    sub: randomToken(16),
    username,
    password_hash: await hashPassword(input.password),
    email,
    email_verified: input.emailVerified ? 1 : 0,
    name: input.name?.trim() || null,
    created_at: nowSeconds(),
  };
  await kardia.store.db.insertInto('users').values(user).execute();
  return user;
}

export async function findUserBySub(kardia: Kardia, sub: string): Promise<UserTable | undefined> {
  return kardia.store.db.selectFrom('users').selectAll().where('sub', '=', sub).executeTakeFirst();
}

export async function findUserByUsername(
  kardia: Kardia,
  username: string,
): Promise<UserTable | undefined> {
  return kardia.store.db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', username.trim().toLowerCase())
    .executeTakeFirst();
}

/** Checks a username and password; the same work is done whether or not the user exists. */
export async function checkPassword(
  kardia: Kardia,
  username: string,
  password: string,
): Promise<UserTable | undefined> {
  const user = username.length <= 64 ? await findUserByUsername(kardia, username) : undefined;
  if (password.length > 1024) return undefined;
  decoyHash ??= hashPassword(randomToken());
  const hash = user?.password_hash ?? (await decoyHash);
  const ok = await argon2.verify(hash, password).catch(() => false);
  return ok && user ? user : undefined;
}

/** Sets a new password (already checked by the caller); the old hash stops working at once. */
export async function setPassword(kardia: Kardia, sub: string, password: string): Promise<void> {
  if (password.length < 8 || password.length > 1024) {
    throw new UserError('password: 8 to 1024 characters');
  }
  await kardia.store.db
    .updateTable('users')
    .set({ password_hash: await hashPassword(password) })
    .where('sub', '=', sub)
    .execute();
}
