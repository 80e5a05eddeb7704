/**
 * ActivityPub documents Fedify's dispatchers do not cover: activities sent
 * by local actors, served at their ids, and tombstones of deleted posts
 * (410 Gone, as Lemmy and Mastodon answer).
 */
import { Hono } from "hono";
import { findActivityJson } from "../../db/activities.ts";
import { findPostByUri } from "../../db/posts.ts";
import { mayServeActivity } from "../../federation/group-access.ts";
import { mayFetchGroupContent } from "../../federation/group-access.ts";
import type { AppEnv } from "../app-env.ts";

const AP_TYPE = "application/activity+json";

export function activityPubExtraRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/activities/:id{[0-9a-f-]{36}}", async (c) => {
    const { db, origin } = c.var.kindred;
    const json = await findActivityJson(db, new URL(`/activities/${c.req.param("id")}`, origin).href);
    if (json == null) return c.json({ error: "not found" }, 404);
    // An activity about a private (or local-only) group's content: as its content is, now.
    const ctx = c.var.kindred.federation.createContext(c.req.raw, c.var.kindred.fedify().data);
    if (!(await mayServeActivity(ctx, json))) return c.json({ error: "not found" }, 404);
    return c.body(JSON.stringify(json), 200, { "Content-Type": AP_TYPE });
  });

  app.get("/:kind{posts|comments}/:id{[0-9]+}", async (c, next) => {
    const { db, origin } = c.var.kindred;
    const uri = new URL(`/${c.req.param("kind")}/${c.req.param("id")}`, origin).href;
    const post = await findPostByUri(db, uri);
    // Browsers get the thread page (routes/pages.tsx), deleted or not.
    const wantsJson = /application\/(activity|ld)\+json/.test(c.req.header("accept") ?? "");
    if (!post?.local || !(post.deleted_at || post.removed_at) || !wantsJson) return next();
    // Removed by a moderator: not served while removed (it may be restored).
    if (!post.deleted_at) return c.json({ error: "removed by a moderator" }, 404);
    const tombstone = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: uri,
      type: "Tombstone",
      formerType: post.parent_id == null ? "Page" : "Note",
      deleted: post.deleted_at.toISOString(),
    };
    return c.body(JSON.stringify(tombstone), 410, { "Content-Type": AP_TYPE });
  });

  return app;
}
