/** HTML pages.  Thin: load, then render a page component. */
import { readFileSync } from "node:fs";
import { Hono } from "hono";
import { findGroupBySlug, listGroupModerators, listGroups } from "../../db/groups.ts";
import type { Group } from "../../db/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { findActorById } from "../../db/actors.ts";
import { findPostByUri, listThreadPostViews } from "../../db/posts.ts";
import { GroupPage } from "../pages/group.tsx";
import { ThreadPage } from "../pages/thread.tsx";
import { HomePage } from "../pages/home.tsx";

const stylesheet = readFileSync(new URL("../pages/kindred.css", import.meta.url), "utf8");

export function pageRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const handle = (host: string, name: string) => `@${name}@${host}`;

  app.get("/", async (c) => {
    const { db, instanceName, origin } = c.var.kindred;
    const groups = await listGroups(db);
    return c.html(
      <HomePage
        instanceName={instanceName}
        groups={groups}
        groupUrl={(g: Group) => `/@${g.slug}`}
        handle={(g: Group) => handle(origin.host, g.slug)}
      />,
    );
  });

  // Browsers asking for an actor's URL land here; ActivityPub clients were
  // answered by Fedify before this route.
  app.get("/:name{@[a-z0-9][a-z0-9_-]*}", async (c) => {
    const { db, instanceName, origin } = c.var.kindred;
    const slug = c.req.param("name").slice(1);
    const group = await findGroupBySlug(db, slug);
    if (!group) return c.notFound();
    const moderators = await listGroupModerators(db, group.id);
    return c.html(
      <GroupPage
        instanceName={instanceName}
        group={group}
        handle={handle(origin.host, group.slug)}
        moderators={moderators.map((m) => handle(origin.host, m))}
      />,
    );
  });

  // A post's id, opened in a browser: the thread it belongs to.
  app.get("/:kind{posts|comments}/:id{[0-9]+}", async (c) => {
    const { db, instanceName, origin } = c.var.kindred;
    const uri = new URL(`/${c.req.param("kind")}/${c.req.param("id")}`, origin).href;
    const post = await findPostByUri(db, uri);
    if (!post) return c.notFound();
    const posts = await listThreadPostViews(db, post.thread_id ?? post.id);
    const group = await findActorById(db, post.group_id);
    return c.html(
      <ThreadPage
        instanceName={instanceName}
        groupName={group?.name ?? group?.username ?? "Group"}
        groupUrl={group?.local ? `/@${group.username}` : group?.url ?? "/"}
        posts={posts}
      />,
    );
  });

  app.get("/static/kindred.css", (c) => {
    c.header("Content-Type", "text/css; charset=utf-8");
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(stylesheet);
  });

  return app;
}
