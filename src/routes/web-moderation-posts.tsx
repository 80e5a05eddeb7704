/** Moderators' forms on the thread page: remove, restore, lock, pin, label, moderator note. */
import { Hono } from "hono";
import { findPostById } from "../../db/posts.ts";
import type { Post } from "../../db/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { postPath } from "../pages/page-info.ts";
import { moderatePost, postModeratorNote, redactPost } from "../post-moderation.ts";
import { type C, formFields, positiveInt, toLogin } from "./web-common.ts";

async function postParam(c: C): Promise<Post | undefined> {
  const id = positiveInt(c.req.param("id"));
  return id ? await findPostById(c.var.kindred.db, id) : undefined;
}

const backTo = (post: Post, anchor = post.id) =>
  `${post.thread_id == null ? postPath(post) : `/p/${post.thread_id}`}#post-${anchor}`;

export function webModerationPostRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // Refusals (not a moderator, no reason given) are answered by web-errors.tsx.
  app.post("/p/:id{[0-9]+}/moderate", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const post = await postParam(c);
    if (!post) return c.notFound();
    const f = await formFields(c);
    await moderatePost(c.var.kindred.fedify(), viewer.account, viewer.actor, post, f.action, f.reason);
    return c.redirect(backTo(post), 303);
  });

  // Redacts every personal detail the oversharing guard finds in the post.
  app.post("/p/:id{[0-9]+}/redact", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const post = await postParam(c);
    if (!post) return c.notFound();
    await formFields(c);
    await redactPost(c.var.kindred.fedify(), viewer.account, viewer.actor, post);
    return c.redirect(backTo(post), 303);
  });

  app.post("/p/:id{[0-9]+}/moderator-note", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const post = await postParam(c);
    if (!post) return c.notFound();
    const note = await postModeratorNote(c.var.kindred.fedify(), viewer.account, viewer.actor, post, (await formFields(c)).body);
    return c.redirect(backTo(post, note.id), 303);
  });

  return app;
}
