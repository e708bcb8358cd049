import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../server/context.js';
import { registerAccountHome } from './account-home.js';
import { registerApps } from './apps.js';
import { registerAssets } from './assets.js';
import { registerHistory } from './history.js';
import { registerLogin } from './login.js';
import { installPageErrorHandling } from './page-rendering.js';
import { registerRequests } from './requests.js';
import { registerSettings } from './settings.js';
import { registerShare } from './share.js';
import { registerShares } from './shares.js';
import { rememberRoot } from './sharing/owner-api.js';
import { registerSignup } from './signup.js';

/**
 * The person-facing pages: assets, sign-in, creating an account, and the dashboard at /account
 * (My record, sharing, requests, apps, history, settings). They share one fastify scope whose
 * errors render as readable pages, never as JSON or a stack.
 */
export async function registerAccountPages(app: FastifyInstance, kardia: Kardia): Promise<void> {
  rememberRoot(kardia, app);
  await app.register(async (scope) => {
    installPageErrorHandling(scope, kardia);
    registerAssets(scope);
    registerLogin(scope, kardia);
    registerSignup(scope, kardia);
    registerAccountHome(scope, kardia);
    registerShare(scope, kardia);
    registerShares(scope, kardia);
    registerRequests(scope, kardia);
    registerApps(scope, kardia);
    registerHistory(scope, kardia);
    registerSettings(scope, kardia);
  });
}
