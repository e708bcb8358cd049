import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../server/context.js';
import { pagePath } from './paths.js';

/**
 * The stylesheet sits in the source tree; from `src/account` and from the compiled
 * `dist/account` alike, two levels up is the package root.
 */
const STYLESHEET = new URL('../../src/account/static/kardia.css', import.meta.url);

/**
 * htmx, one exactly pinned version (package.json), served from this server: pages load no
 * script from anywhere else, and the CSP allows only `script-src 'self'`.
 */
const HTMX_FILE = createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js');

let css: string | undefined;
let htmx: string | undefined;

/** The stylesheet's URL path under the issuer. */
export const stylesheetPath = (kardia: Kardia): string => pagePath(kardia, '/assets/kardia.css');

/** The htmx file's URL path under the issuer. */
export const htmxPath = (kardia: Kardia): string => pagePath(kardia, '/assets/htmx.min.js');

export function registerAssets(app: FastifyInstance): void {
  css ??= readFileSync(STYLESHEET, 'utf8');
  htmx ??= readFileSync(HTMX_FILE, 'utf8');
  const stylesheet = css;
  const script = htmx;
  app.get('/assets/kardia.css', async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(stylesheet),
  );
  app.get('/assets/htmx.min.js', async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(script),
  );
}
