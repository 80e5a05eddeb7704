/**
 * Pre-moderation and crisis pages: held posts and their review, a group's
 * moderation settings, the public crisis help page, and the admin page for
 * crisis resources.
 */
import { Hono } from "hono";
import { listGroupResources } from "../../db/group-resources.ts";
import { findGroupById } from "../../db/groups.ts";
import { listCrisisResources } from "../../db/crisis.ts";
import { listHeldPosts, listPremodRules } from "../../db/premoderation.ts";
import { findPostById } from "../../db/posts.ts";
import type { Actor } from "../../db/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { addResource, crisisResources, removeResource } from "../crisis.ts";
import { pinResource, unpinResource } from "../group-resources.ts";
import { canModerate } from "../membership.ts";
import { ValidationError } from "../names.ts";
import { AdminCrisisPage, CrisisHelpPage } from "../pages/crisis.tsx";
import { HeldPostsPage, ModerationSettingsPage } from "../pages/premoderation.tsx";
import { addRule, changeModerationSettings, decideHeld, removeRule } from "../premoderation.ts";
import { ForbiddenError } from "../posts.ts";
import { findGroupActorById } from "../web-groups.ts";
import { type C, formFields, pageInfo, positiveInt, toLogin } from "./web-common.ts";
import { logRoleAccess, routeOf } from "../access-log.ts";

/** The local group in the URL, if the viewer moderates it. */
async function moderatedGroup(c: C): Promise<Actor | undefined> {
  const viewer = c.var.viewer!;
  const ctx = c.var.kindred.fedify();
  const group = await findGroupActorById(ctx, positiveInt(c.req.param("id")));
  if (!group?.local) return undefined;
  if (!(await canModerate(ctx, viewer.account, group))) throw new ForbiddenError("only this group's moderators may see this page");
  return group;
}

export function webPremoderationRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/g/:id{[0-9]+}/held", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await moderatedGroup(c);
    if (!group) return c.notFound();
    const posts = await listHeldPosts(c.var.kindred.db, group.id);
    if (posts.length > 0) await logRoleAccess(c.var.kindred.fedify(), c.var.viewer!.account, group, { subject: "held_posts", route: routeOf(c.req) });
    return c.html(<HeldPostsPage page={pageInfo(c)} group={group} posts={posts} />);
  });

  app.post("/p/:id{[0-9]+}/review", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const id = positiveInt(c.req.param("id"));
    const post = id ? await findPostById(c.var.kindred.db, id) : undefined;
    if (!post) return c.notFound();
    const f = await formFields(c);
    if (f.decision !== "approve" && f.decision !== "reject") throw new ValidationError("decision", "choose approve or reject");
    await decideHeld(c.var.kindred.fedify(), viewer.account, post, f.decision === "approve", (f.reason ?? "").trim());
    return c.redirect(`/g/${post.group_id}/held`, 303);
  });

  const settingsPage = async (c: C, group: Actor, extra: { errors?: string[]; saved?: boolean } = {}) => {
    const settings = (await findGroupById(c.var.kindred.db, group.group_id!))!;
    return <ModerationSettingsPage page={pageInfo(c)} group={group} rulesSource={settings.rules_source}
      holdFirstPosts={settings.hold_first_posts} rules={await listPremodRules(c.var.kindred.db, settings.id)}
      resources={await listGroupResources(c.var.kindred.db, settings.id)} {...extra} />;
  };

  app.get("/g/:id{[0-9]+}/settings/moderation", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await moderatedGroup(c);
    if (!group) return c.notFound();
    return c.html(await settingsPage(c, group, { saved: c.req.query("saved") === "1" }));
  });

  /** Runs a settings change; a ValidationError re-renders the page with the message. */
  const settingsChange = (change: (c: C, group: Actor, f: Record<string, string>) => Promise<void>) => async (c: C) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await moderatedGroup(c);
    if (!group) return c.notFound();
    try {
      await change(c, group, await formFields(c));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return c.html(await settingsPage(c, group, { errors: [error.message] }), 422);
    }
    return c.redirect(`/g/${group.id}/settings/moderation?saved=1`, 303);
  };

  app.post("/g/:id{[0-9]+}/settings/moderation", settingsChange(async (c, group, f) => {
    await changeModerationSettings(c.var.kindred.fedify(), c.var.viewer!.account, group, {
      rules: f.rules ?? "",
      holdFirstPosts: f.holdFirstPosts ?? "0",
    });
  }));

  app.post("/g/:id{[0-9]+}/settings/moderation/rules", settingsChange(async (c, group, f) => {
    await addRule(c.var.kindred.fedify(), c.var.viewer!.account, group, f);
  }));

  app.post("/g/:id{[0-9]+}/settings/moderation/rules/:rule{[0-9]+}/delete", settingsChange(async (c, group) => {
    const rule = positiveInt(c.req.param("rule"));
    if (!rule) throw new ValidationError("rule", "no such rule");
    await removeRule(c.var.kindred.fedify(), c.var.viewer!.account, group, rule);
  }));

  app.post("/g/:id{[0-9]+}/settings/moderation/resources", settingsChange(async (c, group, f) => {
    await pinResource(c.var.kindred.fedify(), c.var.viewer!.account, group, f);
  }));

  app.post("/g/:id{[0-9]+}/settings/moderation/resources/:rid{[0-9]+}/delete", settingsChange(async (c, group) => {
    const id = positiveInt(c.req.param("rid"));
    if (!id) throw new ValidationError("resource", "no such resource");
    await unpinResource(c.var.kindred.fedify(), c.var.viewer!.account, group, id);
  }));

  app.get("/help/crisis", async (c) =>
    c.html(<CrisisHelpPage page={pageInfo(c)} resources={await crisisResources(c.var.kindred.db)} />));

  const adminPage = async (c: C, extra: { errors?: string[]; values?: Record<string, string> } = {}) =>
    <AdminCrisisPage page={pageInfo(c)} resources={await listCrisisResources(c.var.kindred.db)} {...extra} />;

  app.get("/admin/crisis", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    if (viewer.account.role !== "admin") throw new ForbiddenError("only instance administrators may see this page");
    return c.html(await adminPage(c));
  });

  app.post("/admin/crisis", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const f = await formFields(c);
    try {
      await addResource(c.var.kindred.db, viewer.account, f);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return c.html(await adminPage(c, { errors: [error.message], values: f }), 422);
    }
    return c.redirect("/admin/crisis", 303);
  });

  app.post("/admin/crisis/:rid{[0-9]+}/delete", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const id = positiveInt(c.req.param("rid"));
    if (!id) return c.notFound();
    await removeResource(c.var.kindred.db, viewer.account, id);
    return c.redirect("/admin/crisis", 303);
  });

  return app;
}
