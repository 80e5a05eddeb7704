/**
 * The JSON API of pre-moderation and crisis resources (registered on the
 * authenticated API in api.ts).
 */
import type { Hono } from "hono";
import { type GroupResource, listGroupResources } from "../../db/group-resources.ts";
import { findGroupById } from "../../db/groups.ts";
import { listCrisisResources } from "../../db/crisis.ts";
import { listHeldPosts, listPremodRules } from "../../db/premoderation.ts";
import { findPostById } from "../../db/posts.ts";
import type { AppEnv } from "../app-env.ts";
import { addResource, crisisResources, removeResource } from "../crisis.ts";
import { pinResource, unpinResource } from "../group-resources.ts";
import { canModerate } from "../membership.ts";
import { ValidationError } from "../names.ts";
import { ForbiddenError } from "../posts.ts";
import { addRule, changeModerationSettings, decideHeld, removeRule } from "../premoderation.ts";
import { body, groupParam, intParam } from "./api-params.ts";
import { logRoleAccess, routeOf } from "../access-log.ts";

const resourceJson = (r: GroupResource) => ({ id: r.id, title: r.title, url: r.url, description: r.description, position: r.position });

export function premoderationApi(api: Hono<AppEnv>): void {
  api.get("/groups/:groupId/held", async (c) => {
    const group = await groupParam(c);
    if (!group?.local) return c.json({ error: "no such group" }, 404);
    if (!(await canModerate(c.var.kindred.fedify(), c.var.account, group))) throw new ForbiddenError("moderators only");
    const held = await listHeldPosts(c.var.kindred.db, group.id);
    if (held.length > 0) await logRoleAccess(c.var.kindred.fedify(), c.var.account, group, { subject: "held_posts", route: routeOf(c.req) });
    return c.json({
      held: held.map((p) => ({
        id: p.id,
        uri: p.uri,
        parentId: p.parent_id,
        title: p.title,
        contentHtml: p.content_html,
        reason: p.review_reason,
        author: { handle: `@${p.author_username}@${p.author_host}`, name: p.author_name },
        published: p.published_at.toISOString(),
      })),
    });
  });

  api.post("/posts/:postId/review", async (c) => {
    const post = await findPostById(c.var.kindred.db, intParam(c, "postId"));
    if (!post) return c.json({ error: "no such post" }, 404);
    const { decision, reason } = await body(c);
    if (decision !== "approve" && decision !== "reject") throw new ValidationError("decision", 'decision must be "approve" or "reject"');
    if (reason != null && typeof reason !== "string") throw new ValidationError("reason", "reason must be text");
    await decideHeld(c.var.kindred.fedify(), c.var.account, post, decision === "approve", reason ?? "");
    return c.json({ ok: true, reviewState: decision === "approve" ? "published" : "rejected" });
  });

  api.get("/groups/:groupId/moderation-settings", async (c) => {
    const group = await groupParam(c);
    if (!group?.local) return c.json({ error: "no such group" }, 404);
    if (!(await canModerate(c.var.kindred.fedify(), c.var.account, group))) throw new ForbiddenError("moderators only");
    const settings = (await findGroupById(c.var.kindred.db, group.group_id!))!;
    const rules = await listPremodRules(c.var.kindred.db, settings.id);
    return c.json({
      rules: settings.rules_source,
      holdFirstPosts: settings.hold_first_posts,
      premodRules: rules.map((r) => ({ id: r.id, kind: r.kind, pattern: r.pattern, action: r.action })),
    });
  });

  api.patch("/groups/:groupId/moderation-settings", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    const { rules, holdFirstPosts } = await body(c);
    await changeModerationSettings(c.var.kindred.fedify(), c.var.account, group, { rules, holdFirstPosts });
    return c.json({ ok: true });
  });

  api.post("/groups/:groupId/premod-rules", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    const rule = await addRule(c.var.kindred.fedify(), c.var.account, group, await body(c));
    return c.json({ rule: { id: rule.id, kind: rule.kind, pattern: rule.pattern, action: rule.action } }, 201);
  });

  api.delete("/groups/:groupId/premod-rules/:ruleId", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    await removeRule(c.var.kindred.fedify(), c.var.account, group, intParam(c, "ruleId"));
    return c.json({ ok: true });
  });

  api.get("/groups/:groupId/resources", async (c) => {
    const group = await groupParam(c);
    if (!group?.local) return c.json({ error: "no such group" }, 404);
    const resources = await listGroupResources(c.var.kindred.db, group.group_id!);
    return c.json({ resources: resources.map(resourceJson) });
  });

  api.post("/groups/:groupId/resources", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    const resource = await pinResource(c.var.kindred.fedify(), c.var.account, group, await body(c));
    return c.json({ resource: resourceJson(resource) }, 201);
  });

  api.delete("/groups/:groupId/resources/:resourceId", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    await unpinResource(c.var.kindred.fedify(), c.var.account, group, intParam(c, "resourceId"));
    return c.json({ ok: true });
  });

  api.get("/crisis-resources", async (c) => c.json({ resources: await crisisResources(c.var.kindred.db) }));

  api.post("/crisis-resources", async (c) => {
    const r = await addResource(c.var.kindred.db, c.var.account, await body(c));
    return c.json({ resource: { id: r.id, name: r.name, contact: r.contact, description: r.description, language: r.language, position: r.position } }, 201);
  });

  api.delete("/crisis-resources/:resourceId", async (c) => {
    await removeResource(c.var.kindred.db, c.var.account, intParam(c, "resourceId"));
    return c.json({ ok: true });
  });

  // With ids, for administrators who edit them.
  api.get("/admin/crisis-resources", async (c) => {
    if (c.var.account.role !== "admin") throw new ForbiddenError("administrators only");
    return c.json({ resources: await listCrisisResources(c.var.kindred.db) });
  });
}
