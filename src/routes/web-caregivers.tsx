/** A member's badge in one group, and opening a caregivers' space (src/caregivers.ts). */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { chooseGroupMemberType, openCaregiversSpace } from "../caregivers.ts";
import { groupPath } from "../pages/page-info.ts";
import { findGroupActorById } from "../web-groups.ts";
import { findGroupActor } from "../../db/actors.ts";
import { formFields, positiveInt, toLogin } from "./web-common.ts";

export function webCaregiverRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/g/:id{[0-9]+}/member-type", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const group = await findGroupActorById(c.var.kindred.fedify(), positiveInt(c.req.param("id")));
    if (!group) return c.notFound();
    await chooseGroupMemberType(c.var.kindred.db, viewer.actor, group, (await formFields(c)).member_type);
    return c.redirect(groupPath(group), 303);
  });

  app.post("/g/:id{[0-9]+}/caregivers-space", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const ctx = c.var.kindred.fedify();
    const group = await findGroupActorById(ctx, positiveInt(c.req.param("id")));
    if (!group) return c.notFound();
    const space = await openCaregiversSpace(ctx, viewer.account, group, { slug: (await formFields(c)).slug });
    return c.redirect(groupPath((await findGroupActor(c.var.kindred.db, space.id))!), 303);
  });

  return app;
}
