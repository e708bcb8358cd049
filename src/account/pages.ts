import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../server/context.js';
import { registerAccountHome } from './account-home.js';
import { registerAssets } from './assets.js';
import { registerLogin } from './login.js';
import { installPageErrorHandling } from './page-rendering.js';

/**
 * The person-facing pages: the stylesheet, sign-in, the account page and signing out. They
 * share one fastify scope whose errors render as readable pages, never as JSON or a stack.
 */
export async function registerAccountPages(app: FastifyInstance, kardia: Kardia): Promise<void> {
  await app.register(async (scope) => {
    installPageErrorHandling(scope, kardia);
    registerAssets(scope);
    registerLogin(scope, kardia);
    registerAccountHome(scope, kardia);
  });
}
