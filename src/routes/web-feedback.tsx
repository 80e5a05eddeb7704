/** Feedback to a group's managers: the member's form and the moderators' list. */
import { Hono } from "hono";
import type { Actor } from "../../db/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { listGroupFeedback, markHandled, sendFeedback } from "../feedback.ts";
import { ValidationError } from "../names.ts";
import { FeedbackFormPage, FeedbackListPage } from "../pages/feedback.tsx";
import { groupPath } from "../pages/page-info.ts";
import { findGroupActorById } from "../web-groups.ts";
import { type C, formFields, pageInfo, positiveInt, toLogin } from "./web-common.ts";

const groupOf = (c: C) => findGroupActorById(c.var.kindred.fedify(), positiveInt(c.req.param("id")));

export function webFeedbackRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const form = (c: C, group: Actor, extra: Partial<Parameters<typeof FeedbackFormPage>[0]> = {}) =>
    <FeedbackFormPage page={pageInfo(c)} groupName={group.name ?? group.username} groupHref={groupPath(group)}
      action={group.local ? `/g/${group.id}/feedback/new` : null} {...extra} />;

  app.get("/g/:id{[0-9]+}/feedback/new", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await groupOf(c);
    return group ? c.html(form(c, group, { sent: c.req.query("sent") === "1" })) : c.notFound();
  });

  app.post("/g/:id{[0-9]+}/feedback/new", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const group = await groupOf(c);
    if (!group) return c.notFound();
    const f = await formFields(c);
    try {
      await sendFeedback(c.var.kindred.fedify(), viewer.actor, group, f);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return c.html(form(c, group, { values: f, errors: [error.message] }), 422);
    }
    return c.redirect(`/g/${group.id}/feedback/new?sent=1`, 303);
  });

  app.get("/g/:id{[0-9]+}/feedback", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const group = await groupOf(c);
    if (!group) return c.notFound();
    const items = await listGroupFeedback(c.var.kindred.fedify(), viewer.account, group);
    return c.html(
      <FeedbackListPage page={pageInfo(c)} groupId={group.id} groupName={group.name ?? group.username}
        groupHref={groupPath(group)} items={items} />,
    );
  });

  app.post("/g/:id{[0-9]+}/feedback/:fid{[0-9]+}/handled", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const group = await groupOf(c);
    const id = positiveInt(c.req.param("fid"));
    if (!group || !id) return c.notFound();
    await markHandled(c.var.kindred.fedify(), viewer.account, viewer.actor, group, id);
    return c.redirect(`/g/${group.id}/feedback#feedback-${id}`, 303);
  });

  return app;
}
