import { createHash, randomBytes } from 'node:crypto';
import type { TestServer } from './server.js';

/** The page a request ended on, for assertions on status, headers and HTML. */
export interface Page {
  status: number;
  headers: Headers;
  html: string;
  url: string;
}

export interface AuthorizeOptions {
  /** The consent decision to submit when the consent page is shown (default `allow`). */
  decision?: 'allow' | 'deny';
  /** Credentials for the login page, when it is shown. */
  username?: string;
  password?: string;
}

/** The result of walking an authorization request: the final redirect away from the server. */
export interface AuthorizeResult {
  /** The Location of the last redirect (to the client's redirect URI). */
  location: string;
  /** Whether the login page and the consent page were shown on the way. */
  sawLogin: boolean;
  sawConsent: boolean;
  /** The consent page's HTML, when it was shown. */
  consentHtml?: string;
}

/**
 * A small browser over fetch: a cookie jar (name=value, path and expiry ignored: every cookie
 * of Kardia is Path=/), no automatic redirects, and helpers that fill in Kardia's forms the way
 * a person would, reading hidden fields from the HTML.
 */
export class UserAgent {
  readonly cookies = new Map<string, string>();

  constructor(readonly server: TestServer) {}

  url(pathOrUrl: string): string {
    return pathOrUrl.startsWith('http') ? pathOrUrl : `${this.server.url}${pathOrUrl}`;
  }

  async request(pathOrUrl: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', this.cookieHeader());
    const response = await fetch(this.url(pathOrUrl), { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.storeCookie(line);
    return response;
  }

  get(pathOrUrl: string): Promise<Response> {
    return this.request(pathOrUrl);
  }

  postForm(pathOrUrl: string, fields: Record<string, string>): Promise<Response> {
    return this.request(pathOrUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async page(response: Response): Promise<Page> {
    return {
      status: response.status,
      headers: response.headers,
      html: await response.text(),
      url: response.url,
    };
  }

  /** Signs in through the login form; answers the response to the form's POST. */
  async signIn(username: string, password: string, returnTo?: string): Promise<Response> {
    const query = returnTo ? `?${new URLSearchParams({ return_to: returnTo }).toString()}` : '';
    const form = await this.page(await this.get(`/login${query}`));
    const fields = formFields(form.html, 'action="/login"');
    return this.postForm('/login', { ...fields, username, password });
  }

  /**
   * Walks an authorization request (a full URL, or the parameters for /authorize) through the
   * login and consent pages until the server redirects away from itself, and answers where to.
   * Throws when the walk ends on a page instead (an error page, a wrong password).
   */
  async authorize(
    request: string | Record<string, string>,
    options: AuthorizeOptions = {},
  ): Promise<AuthorizeResult> {
    let next =
      typeof request === 'string'
        ? request
        : `/authorize?${new URLSearchParams(request).toString()}`;
    const result: AuthorizeResult = { location: '', sawLogin: false, sawConsent: false };
    let response = await this.get(next);
    for (let step = 0; step < 10; step += 1) {
      if (response.status >= 300 && response.status < 400) {
        const location = response.headers.get('location') ?? '';
        const target = new URL(location, this.server.url);
        if (target.origin !== this.server.url) {
          result.location = location;
          return result;
        }
        next = `${target.pathname}${target.search}`;
        response = await this.get(next);
        continue;
      }
      const page = await this.page(response);
      if (response.status === 200 && page.html.includes('name="password"')) {
        if (!options.username || options.password === undefined) {
          throw new Error('the login page was shown but no credentials were given');
        }
        result.sawLogin = true;
        const fields = formFields(page.html, 'action="/login"');
        response = await this.postForm('/login', {
          ...fields,
          username: options.username,
          password: options.password,
        });
        continue;
      }
      if (response.status === 200 && page.html.includes('name="decision"')) {
        result.sawConsent = true;
        result.consentHtml = page.html;
        const fields = formFields(page.html, 'action="/authorize/decision"');
        response = await this.postForm('/authorize/decision', {
          ...fields,
          decision: options.decision ?? 'allow',
        });
        continue;
      }
      throw new Error(`authorization ended on a page: ${page.status} ${textOf(page.html)}`);
    }
    throw new Error('authorization did not finish within 10 steps');
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private storeCookie(line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq < 1) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const maxAge = attributes
      .map((a) => a.trim().toLowerCase())
      .find((a) => a.startsWith('max-age='));
    if (value === '' || maxAge === 'max-age=0') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&quot;': '"',
  '&lt;': '<',
  '&gt;': '>',
  '&#39;': "'",
  '&#x27;': "'",
};

const decodeEntities = (text: string): string =>
  text.replace(/&(?:amp|quot|lt|gt|#39|#x27);/g, (entity) => ENTITIES[entity] ?? entity);

/** The hidden and pre-filled fields of the form whose opening tag contains `marker`. */
export function formFields(html: string, marker: string): Record<string, string> {
  const start = html.indexOf(marker);
  if (start === -1) throw new Error(`no form with ${marker} on the page: ${textOf(html)}`);
  const end = html.indexOf('</form>', start);
  const form = html.slice(start, end === -1 ? undefined : end);
  const fields: Record<string, string> = {};
  for (const [input] of form.matchAll(/<input\b[^>]*>/g)) {
    const attributes = Object.fromEntries(
      [...input.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], decodeEntities(m[2] ?? '')]),
    );
    if (attributes.type === 'hidden' && attributes.name) {
      fields[attributes.name] = attributes.value ?? '';
    }
  }
  return fields;
}

/** The visible text of a page, shortened, for error messages. */
export function textOf(html: string): string {
  return html
    .replace(/<head>.*<\/head>/s, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** A PKCE pair as a client makes it (RFC 7636 §4.1, §4.2): a 43-character verifier and S256. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

/** The parameters of a redirect Location: its query, or its fragment when it has one. */
export function responseParams(location: string): Record<string, string> {
  const url = new URL(location);
  const source = url.hash ? url.hash.slice(1) : url.search.slice(1);
  return Object.fromEntries(new URLSearchParams(source));
}
