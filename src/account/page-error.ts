/**
 * An error shown to a person as a page: a status, a short title and one plain sentence. The
 * detail goes to the log only. Thrown anywhere under the page routes, rendered in one place
 * (pages.ts installs the handler).
 */
export class PageError extends Error {
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly title: string,
    readonly text: string,
    options: { detail?: string; headers?: Record<string, string> } = {},
  ) {
    super(options.detail ?? title);
    this.name = 'PageError';
    this.headers = options.headers ?? {};
  }
}
