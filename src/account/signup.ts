import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { sendEmailVerification } from '../oidc/email-verification.js';
import type { Kardia } from '../server/context.js';
import { sha256 } from '../util/random.js';
import { nowSeconds } from '../util/time.js';
import { stylesheetPath } from './assets.js';
import { CSRF_FIELD, checkLoginCsrf, loginCsrfToken } from './csrf.js';
import { formBody } from './form-body.js';
import { sendPage } from './page-rendering.js';
import { PageError } from './page-error.js';
import { pagePath } from './paths.js';
import { currentSession, forgetSession, startSession } from './session.js';
import { createUser, UserError } from './users.js';
import { SignupPage, type SignupValues } from './views/signup-page.js';

/** New accounts per client address per hour, counted in the shared rate_limits table. */
const SIGNUPS_PER_HOUR = 10;

/**
 * Creating an account: username, name, email and password. The address starts unconfirmed; a
 * link goes to the outbox (src/oidc/email-verification.ts), and the person is signed in at once.
 */
export function registerSignup(app: FastifyInstance, kardia: Kardia): void {
  app.get('/signup', async (request, reply) => showForm(kardia, request, reply, {}));

  app.post('/signup', async (request, reply) => {
    const form = formBody(request);
    await checkLoginCsrf(kardia, request, form[CSRF_FIELD]);
    const values = {
      username: (form.username ?? '').slice(0, 64),
      name: (form.name ?? '').slice(0, 200),
      email: (form.email ?? '').slice(0, 254),
    };
    const problem = checkForm(form);
    if (problem) return showForm(kardia, request, reply, values, problem, 400);
    await countSignup(kardia, request.ip);

    let user;
    try {
      user = await createUser(kardia, { ...values, password: form.password ?? '' });
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return showForm(kardia, request, reply, values, readable(error.message), 400);
    }
    const previous = await currentSession(kardia, request);
    if (previous) await forgetSession(kardia, previous);
    await startSession(kardia, reply, user.sub, ['pwd']);
    await sendEmailVerification(kardia, user.sub);
    request.log.info({ event: 'signup', sub: user.sub }, 'account created');
    return reply
      .header('cache-control', 'no-store')
      .redirect(`${pagePath(kardia, '/account')}?done=welcome`, 303);
  });
}

function checkForm(form: Record<string, string>): string | undefined {
  const password = form.password ?? '';
  if ((form.name ?? '').trim().length === 0 || (form.name ?? '').length > 200) {
    return 'Please give your name (at most 200 characters).';
  }
  if (!form.email) return 'Please give your email address: people share with you by it.';
  if (password.length < 8 || password.length > 1024) {
    return 'The password must have 8 to 1024 characters.';
  }
  if (password !== (form.password_confirm ?? '')) return 'The two passwords are not the same.';
  return undefined;
}

/** createUser's reasons, said to a person. */
function readable(reason: string): string {
  if (reason.startsWith('username:')) {
    return 'A username has 1 to 64 characters: lower-case letters, digits, ".", "_" or "-".';
  }
  if (reason.includes('is taken')) return 'This username is taken. Please choose another.';
  if (reason.startsWith('email:')) return 'This does not look like an email address.';
  if (reason.startsWith('password:')) return 'The password must have 8 to 1024 characters.';
  return 'The account could not be created. Please check the form.';
}

async function countSignup(kardia: Kardia, address: string): Promise<void> {
  const now = nowSeconds();
  const bucket = `signup:addr:${sha256(address)}`;
  const expired = now - 3600;
  await kardia.store.db
    .insertInto('rate_limits')
    .values({ bucket, count: 1, window_start: now })
    .onConflict((oc) =>
      oc.column('bucket').doUpdateSet({
        count: sql<number>`case when rate_limits.window_start <= ${expired} then 1
          else rate_limits.count + 1 end`,
        window_start: sql<number>`case when rate_limits.window_start <= ${expired}
          then ${now} else rate_limits.window_start end`,
      }),
    )
    .execute();
  const row = await kardia.store.db
    .selectFrom('rate_limits')
    .select('count')
    .where('bucket', '=', bucket)
    .executeTakeFirst();
  if ((row?.count ?? 0) > SIGNUPS_PER_HOUR) {
    throw new PageError(
      429,
      'Too many new accounts',
      'Several accounts were created from your network just now. Please try again in an hour.',
      { detail: 'signup rate limit reached', headers: { 'retry-after': '3600' } },
    );
  }
}

async function showForm(
  kardia: Kardia,
  request: FastifyRequest,
  reply: FastifyReply,
  values: SignupValues,
  problem?: string,
  status = 200,
): Promise<FastifyReply> {
  const page = SignupPage({
    stylesheet: stylesheetPath(kardia),
    action: pagePath(kardia, '/signup'),
    loginHref: pagePath(kardia, '/login'),
    csrfToken: await loginCsrfToken(kardia, request, reply),
    values,
    problem,
  });
  return sendPage(reply, page, status);
}
