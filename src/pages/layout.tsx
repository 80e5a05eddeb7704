/** The page frame shared by every HTML page. */
import type { Child } from "hono/jsx";
import type { PageInfo } from "./page-info.ts";

export interface LayoutProps {
  title: string;
  page: PageInfo;
  description?: string;
  children?: Child;
}

function Nav({ page }: { page: PageInfo }) {
  const viewer = page.viewer;
  return (
    <nav aria-label="Main">
      <ul class="nav">
        <li><a href="/groups">Groups</a></li>
        {viewer
          ? (
            <>
              <li>
                <a href="/notifications">
                  Notifications{viewer.unread > 0 ? <span class="count"> ({viewer.unread} new)</span> : null}
                </a>
              </li>
              <li><a href="/settings">Profile and settings</a></li>
              <li>
                <form method="post" action="/logout" class="inline">
                  <input type="hidden" name="_csrf" value={page.csrf} />
                  <button type="submit" class="link-button">Log out <span class="handle">({viewer.username})</span></button>
                </form>
              </li>
            </>
          )
          : (
            <>
              <li><a href="/login">Log in</a></li>
              <li><a href="/signup">Sign up</a></li>
            </>
          )}
      </ul>
    </nav>
  );
}

export function Layout({ title, page, description, children }: LayoutProps) {
  const { instanceName } = page;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* Health communities: nothing is indexed unless an admin allows it. */}
        <meta name="robots" content={page.indexable ? "index, follow" : "noindex, nofollow"} />
        {/* Same-origin: form POSTs carry an Origin header for the CSRF check; other sites learn nothing. */}
        <meta name="referrer" content="same-origin" />
        {description ? <meta name="description" content={description} /> : null}
        <title>{title === instanceName ? title : `${title} · ${instanceName}`}</title>
        <link rel="stylesheet" href="/static/kindred.css" />
        {(page.feeds ?? []).map((f) => <link rel="alternate" type={f.type} href={f.href} title={f.title} />)}
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="site-header">
          <a class="site-name" href="/">{instanceName}</a>
          <Nav page={page} />
        </header>
        <main id="main" tabindex={-1}>{children}</main>
        <footer class="site-footer">
          <p>Powered by Kindred, a federated home for patient support communities.</p>
        </footer>
      </body>
    </html>
  );
}
