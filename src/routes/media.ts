/**
 * Local images at /media/:id (issue 6, item 5).  The same access rules as
 * the post they belong to: a private or local-only group's images only for
 * those who may read the group (src/group-access.ts; for other servers, a
 * signed fetch as for the post itself, federation/group-access.ts); a held
 * or removed post's only for its author and the group's moderators; a
 * deleted post has none (migration 0020 deletes them).  Served with the
 * exact type, no sniffing, a sandboxing CSP, and caching kept short (public)
 * or off (private), so that removals and visibility changes take effect.
 */
import { Hono } from "hono";
import { findActorById } from "../../db/actors.ts";
import { findLocalImage } from "../../db/media.ts";
import { findPostById } from "../../db/posts.ts";
import { mayFetchGroupContent } from "../../federation/group-access.ts";
import type { AppEnv } from "../app-env.ts";
import { mayReadPost } from "../group-access.ts";
import type { C } from "./web-common.ts";

const EXTENSIONS: Record<string, string> = { "image/jpeg": "jpg", "image/png": "png" };

async function mayRead(c: C, post: NonNullable<Awaited<ReturnType<typeof findPostById>>>): Promise<"public" | "private" | false> {
  const ctx = c.var.kindred.fedify();
  const group = await findActorById(c.var.kindred.db, post.group_id);
  if (!group) return false;
  const shown = post.review_state === "published" && post.removed_at == null && !post.deleted_at;
  if (await mayReadPost(ctx, post, c.var.viewer)) return shown && group.visibility === "public" ? "public" : "private";
  // Another server's signed fetch for its members, as for the post itself.
  const requestCtx = c.var.kindred.federation.createContext(c.req.raw, ctx.data);
  return shown && group.visibility === "private" && await mayFetchGroupContent(requestCtx, group) ? "private" : false;
}

export function mediaRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/media/:id{[A-Za-z0-9_-]{22}}", async (c) => {
    const image = await findLocalImage(c.var.kindred.db, c.req.param("id"));
    const post = image ? await findPostById(c.var.kindred.db, image.post_id) : undefined;
    const access = post ? await mayRead(c, post) : false;
    if (!image?.data || !access) return c.notFound();
    const ext = EXTENSIONS[image.content_type] ?? "bin";
    return c.body(new Uint8Array(image.data), 200, {
      "Content-Type": image.content_type,
      "Content-Length": String(image.data.byteLength),
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
      "Content-Disposition": `inline; filename="image-${image.id}.${ext}"`,
      // Short-lived, so that a removed post's or a newly private group's images
      // stop being served from caches soon; private ones are never stored.
      "Cache-Control": access === "public" ? "public, max-age=300, must-revalidate" : "private, no-store",
      "Cross-Origin-Resource-Policy": access === "public" ? "cross-origin" : "same-origin",
    });
  });
  return app;
}
