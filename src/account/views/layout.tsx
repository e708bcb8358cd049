import type { ComponentChildren } from 'preact';

export interface LayoutProps {
  title: string;
  /** Absolute path of the stylesheet (under the issuer's prefix). */
  stylesheet: string;
  /** The signed-in user's name for the header, when there is one. */
  signedInAs?: string | undefined;
  /** The dashboard's navigation, shown under the header on signed-in pages. */
  nav?: ComponentChildren;
  /**
   * The htmx file's path, on pages it enhances. Every page works without it: htmx only turns
   * links and forms into in-place updates (`hx-boost`), with eval and inline styles off so the
   * CSP forbidding inline script and style holds.
   */
  htmx?: string | undefined;
  children: ComponentChildren;
}

/** htmx settings: no eval, no script tags in swapped content, no injected style element. */
const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  historyCacheSize: 0,
  // Error pages are readable pages: show them in place like any other answer.
  responseHandling: [
    { code: '204', swap: false },
    { code: '...', swap: true },
  ],
});

/** The frame of every page: language, viewport, one stylesheet, no inline script or style. */
export function Layout({ title, stylesheet, signedInAs, nav, htmx, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        {htmx ? <meta name="htmx-config" content={HTMX_CONFIG} /> : null}
        <title>{`${title} · Kardia`}</title>
        <link rel="stylesheet" href={stylesheet} />
        {htmx ? <script src={htmx} defer /> : null}
      </head>
      <body {...(htmx ? { 'hx-boost': 'true' } : {})}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site">
          <span class="brand">Kardia</span>
          {signedInAs ? <span class="who">Signed in as {signedInAs}</span> : null}
        </header>
        {nav}
        <main id="main" tabindex={-1} class={nav ? 'wide' : undefined}>
          {children}
        </main>
      </body>
    </html>
  );
}
