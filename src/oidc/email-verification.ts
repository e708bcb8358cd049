import type { FastifyInstance } from 'fastify';
import { stylesheetPath } from '../account/assets.js';
import { PageError } from '../account/page-error.js';
import { installPageErrorHandling, sendPage } from '../account/page-rendering.js';
import { pagePath } from '../account/paths.js';
import { findUserBySub } from '../account/users.js';
import type { Kardia } from '../server/context.js';
import { oauthParams } from '../server/forms.js';
import { randomToken, sha256 } from '../util/random.js';
import { nowSeconds } from '../util/time.js';
import { writeToOutbox } from './outbox.js';
import { VerifyEmailPage } from './views/verify-email-page.js';

/** How long a verification link works, seconds. */
export const EMAIL_VERIFICATION_TTL = 24 * 3600;

export class EmailVerificationError extends Error {}

/**
 * Writes a verification link for the user's current address to the outbox (OIDC Core §5.1:
 * `email_verified` is true only when the OP took steps to ensure the address belongs to the
 * person). Answers the link's URL, which carries the only copy of the token.
 */
export async function sendEmailVerification(kardia: Kardia, sub: string): Promise<string> {
  const user = await findUserBySub(kardia, sub);
  if (!user?.email) throw new EmailVerificationError('the account has no email address');
  if (user.email_verified === 1)
    throw new EmailVerificationError('the address is already verified');
  const token = randomToken();
  await kardia.store.db
    .insertInto('email_verifications')
    .values({
      token_hash: sha256(token),
      sub,
      email: user.email,
      expires_at: nowSeconds() + EMAIL_VERIFICATION_TTL,
      used_at: null,
    })
    .execute();
  const link = `${kardia.urls.issuer}/email/verify?${new URLSearchParams({ token }).toString()}`;
  await writeToOutbox(kardia, {
    recipient: user.email,
    subject: 'Confirm your email address for Kardia',
    body:
      `Hello ${user.name ?? user.username},\n\n` +
      `open this link to confirm that ${user.email} is your address:\n\n${link}\n\n` +
      'The link works once, for 24 hours. If you did not expect this message, ignore it.\n',
  });
  return link;
}

/**
 * Marks the address verified when the token is live, unused, and the account still has the
 * address it was sent to (a changed address needs a new link).
 */
export async function confirmEmail(kardia: Kardia, token: string): Promise<boolean> {
  const now = nowSeconds();
  return kardia.store.db.transaction().execute(async (tx) => {
    const used = await tx
      .updateTable('email_verifications')
      .set({ used_at: now })
      .where('token_hash', '=', sha256(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['sub', 'email'])
      .executeTakeFirst();
    if (!used) return false;
    const result = await tx
      .updateTable('users')
      .set({ email_verified: 1 })
      .where('sub', '=', used.sub)
      .where('email', '=', used.email)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  });
}

const linkNotValid = () =>
  new PageError(
    400,
    'This link does not work',
    'It was used already, has expired, or the ' +
      'address on the account has changed since. Ask for a new link.',
  );

/**
 * The link's landing page asks for one click before confirming, so a mail scanner that opens
 * links does not verify an address on the person's behalf.
 */
export function registerEmailVerification(app: FastifyInstance, kardia: Kardia): void {
  void app.register(async (scope) => {
    installPageErrorHandling(scope, kardia);
    scope.get('/email/verify', async (request, reply) => {
      const { token } = oauthParams(request.query);
      if (!token || token.length > 100) throw linkNotValid();
      const page = VerifyEmailPage({
        stylesheet: stylesheetPath(kardia),
        action: pagePath(kardia, '/email/verify'),
        token,
      });
      return sendPage(reply, page);
    });
    scope.post('/email/verify', async (request, reply) => {
      const { token } = oauthParams(request.body);
      if (!token || token.length > 100 || !(await confirmEmail(kardia, token))) {
        throw linkNotValid();
      }
      request.log.info({ event: 'email_verified' }, 'email address verified');
      const page = VerifyEmailPage({ stylesheet: stylesheetPath(kardia), done: true });
      return sendPage(reply, page);
    });
  });
}
