/**
 * JSON API for a local group's managers: `PATCH /groups/:groupId` (the
 * settings page's fields; `confirmLessPrivate: true` to make a group less
 * private, `confirmRemoveMembers: true` to make it private when that removes
 * members on servers that are not partners) and the access log (`GET /admin/access-log` for admins,
 * `GET /groups/:groupId/access-log` for the group's owner and admins).
 */
import type { Hono } from "hono";
import type { AccessLogEntry } from "../../db/access-log.ts";
import { findActorById } from "../../db/actors.ts";
import type { Group } from "../../db/schema.ts";
import { accessLogFor, ownsGroup } from "../access-log.ts";
import type { AppEnv } from "../app-env.ts";
import { changeGroupSettings } from "../group-settings.ts";
import { ForbiddenError } from "../posts.ts";
import { actorJson } from "./api-json.ts";
import { body, groupParam } from "./api-params.ts";

function settingsJson(group: Group) {
  return {
    name: group.name,
    description: group.summary_source,
    rules: group.rules_source,
    joinPolicy: group.join_policy,
    visibility: group.visibility,
    audience: group.audience,
    holdFirstPosts: group.hold_first_posts,
    welcome: group.welcome_source,
    introductionsThreadId: group.introductions_post_id,
    conditionTags: group.condition_tags,
    languages: group.languages,
    listedElsewhere: group.listed_elsewhere,
  };
}

function accessJson(e: AccessLogEntry) {
  return {
    id: e.id,
    at: e.at.toISOString(),
    username: e.username,
    role: e.role,
    groupId: e.group_actor_id,
    subject: e.subject,
    subjectId: e.subject_id,
    route: e.route,
  };
}

export function groupSettingsApi(api: Hono<AppEnv>): void {
  api.patch("/groups/:groupId", async (c) => {
    const group = await groupParam(c);
    if (!group?.local) return c.json({ error: "no such group" }, 404);
    const b = await body(c);
    const settings = await changeGroupSettings(c.var.kindred.fedify(), c.var.account, group, {
      name: b.name,
      description: b.description,
      rules: b.rules,
      joinPolicy: b.joinPolicy,
      visibility: b.visibility,
      audience: b.audience,
      holdFirstPosts: b.holdFirstPosts,
      welcome: b.welcome,
      introductionsThreadId: b.introductionsThreadId,
      conditionTags: b.conditionTags,
      languages: b.languages,
      listedElsewhere: b.listedElsewhere,
      confirmLessPrivate: b.confirmLessPrivate,
      confirmRemoveMembers: b.confirmRemoveMembers,
    });
    return c.json({ group: actorJson((await findActorById(c.var.kindred.db, group.id))!), settings: settingsJson(settings) });
  });

  api.get("/admin/access-log", async (c) => {
    if (c.var.account.role !== "admin") throw new ForbiddenError("admins only");
    return c.json({ entries: (await accessLogFor(c.var.kindred.fedify(), c.var.account)).map(accessJson) });
  });

  api.get("/groups/:groupId/access-log", async (c) => {
    const group = await groupParam(c);
    if (!group?.local) return c.json({ error: "no such group" }, 404);
    const ctx = c.var.kindred.fedify();
    if (c.var.account.role !== "admin" && !(await ownsGroup(ctx, c.var.account, group))) {
      throw new ForbiddenError("the group's owner and admins only");
    }
    return c.json({ entries: (await accessLogFor(ctx, c.var.account, group.id)).map(accessJson) });
  });
}
