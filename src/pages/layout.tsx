/** The page frame shared by every HTML page. */
import type { Child } from "hono/jsx";

export interface LayoutProps {
  title: string;
  instanceName: string;
  description?: string;
  children?: Child;
}

export function Layout({ title, instanceName, description, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* Health communities: nothing is indexed unless an admin allows it. */}
        <meta name="robots" content="noindex, nofollow" />
        <meta name="referrer" content="no-referrer" />
        {description ? <meta name="description" content={description} /> : null}
        <title>{title === instanceName ? title : `${title} · ${instanceName}`}</title>
        <link rel="stylesheet" href="/static/kindred.css" />
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="site-header">
          <a class="site-name" href="/">{instanceName}</a>
        </header>
        <main id="main">{children}</main>
        <footer class="site-footer">
          <p>Powered by Kindred, a federated home for patient support communities.</p>
        </footer>
      </body>
    </html>
  );
}
