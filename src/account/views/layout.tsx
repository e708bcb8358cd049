import type { ComponentChildren } from 'preact';

export interface LayoutProps {
  title: string;
  /** Absolute path of the stylesheet (under the issuer's prefix). */
  stylesheet: string;
  /** The signed-in user's name for the header, when there is one. */
  signedInAs?: string | undefined;
  children: ComponentChildren;
}

/** The frame of every page: language, viewport, one stylesheet, no script and no inline style. */
export function Layout({ title, stylesheet, signedInAs, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} · Kardia`}</title>
        <link rel="stylesheet" href={stylesheet} />
      </head>
      <body>
        <header class="site">
          <span class="brand">Kardia</span>
          {signedInAs ? <span class="who">Signed in as {signedInAs}</span> : null}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
