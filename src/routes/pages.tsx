/** HTML pages at the instance's front and at actor and post URLs.  Thin: load, then render. */
import { readFileSync } from "node:fs";
import { Hono } from "hono";
import { findAccountByUsername } from "../../db/accounts.ts";
import { findGroupActor } from "../../db/actors.ts";
import { findGroupBySlug } from "../../db/groups.ts";
import { findPostByUri } from "../../db/posts.ts";
import { searchGroups } from "../../db/web-groups.ts";
import type { AppEnv } from "../app-env.ts";
import { renderMarkdown } from "../markdown.ts";
import { HomePage } from "../pages/home.tsx";
import { ProfilePage } from "../pages/profile.tsx";
import { renderGroup } from "./web-groups.tsx";
import { renderThread } from "./web-posts.tsx";
import { pageInfo } from "./web-common.ts";

const stylesheet = readFileSync(new URL("../pages/kindred.css", import.meta.url), "utf8");

export function pageRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/", async (c) => {
    const { db, origin } = c.var.kindred;
    return c.html(<HomePage page={pageInfo(c)} host={origin.host} groups={await searchGroups(db, undefined, { withLocalOnly: c.var.viewer != null })} />);
  });

  // Browsers asking for an actor's URL land here; ActivityPub clients were
  // answered by Fedify before this route.
  app.get("/:name{@[a-z0-9][a-z0-9_-]*}", async (c) => {
    const { db, origin } = c.var.kindred;
    const name = c.req.param("name").slice(1);
    const group = await findGroupBySlug(db, name);
    const actor = group && await findGroupActor(db, group.id);
    if (actor) return await renderGroup(c, actor, group);
    const account = await findAccountByUsername(db, name);
    if (!account) return c.notFound();
    return c.html(
      <ProfilePage page={pageInfo(c)} account={account} handle={`@${account.username}@${origin.host}`}
        bioHtml={account.bio ? renderMarkdown(account.bio) : null} />,
    );
  });

  // A post's id, opened in a browser: the thread it belongs to.
  app.get("/:kind{posts|comments}/:id{[0-9]+}", async (c) => {
    const { db, origin } = c.var.kindred;
    const uri = new URL(`/${c.req.param("kind")}/${c.req.param("id")}`, origin).href;
    const post = await findPostByUri(db, uri);
    if (!post) return c.notFound();
    return await renderThread(c, post);
  });

  app.get("/static/kindred.css", (c) => {
    c.header("Content-Type", "text/css; charset=utf-8");
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(stylesheet);
  });

  return app;
}
