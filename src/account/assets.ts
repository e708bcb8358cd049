import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../server/context.js';
import { pagePath } from './paths.js';

/**
 * The stylesheet sits in the source tree; from `src/account` and from the compiled
 * `dist/account` alike, two levels up is the package root.
 */
const STYLESHEET = new URL('../../src/account/static/kardia.css', import.meta.url);

let css: string | undefined;

/** The stylesheet's URL path under the issuer. */
export const stylesheetPath = (kardia: Kardia): string => pagePath(kardia, '/assets/kardia.css');

export function registerAssets(app: FastifyInstance): void {
  css ??= readFileSync(STYLESHEET, 'utf8');
  const body = css;
  app.get('/assets/kardia.css', async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(body),
  );
}
