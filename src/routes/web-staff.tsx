/** A group's staff and bans page, and the ban form (moderators; appointing: owner and admins). */
import { Hono } from "hono";
import { findActorById } from "../../db/actors.ts";
import { listActiveBans } from "../../db/bans.ts";
import { listGroupStaff } from "../../db/groups.ts";
import type { Actor } from "../../db/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { banMember, unbanMember } from "../bans.ts";
import { actingModerator } from "../membership.ts";
import { ValidationError } from "../names.ts";
import { BanPage, StaffPage } from "../pages/staff.tsx";
import { appointStaff, canManageStaff, dismissStaff } from "../staff.ts";
import { findGroupActorById } from "../web-groups.ts";
import { type C, formFields, pageInfo, positiveInt, toLogin } from "./web-common.ts";

async function staffPage(c: C, group: Actor, extra: { errors?: string[]; notice?: string; handleValue?: string } = {}) {
  const ctx = c.var.kindred.fedify();
  const account = c.var.viewer!.account;
  await actingModerator(ctx, account, group);
  return c.html(
    <StaffPage page={pageInfo(c)} group={group} staff={await listGroupStaff(ctx.data.db, group.id)}
      bans={await listActiveBans(ctx.data.db, group.id)} manages={await canManageStaff(ctx, account, group)} {...extra} />,
    extra.errors ? 422 : 200,
  );
}

export function webStaffRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const group = (c: C) => findGroupActorById(c.var.kindred.fedify(), positiveInt(c.req.param("id")));

  app.get("/g/:id{[0-9]+}/staff", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const g = await group(c);
    if (!g) return c.notFound();
    return await staffPage(c, g, { notice: c.req.query("done") ? "Done." : undefined });
  });

  app.post("/g/:id{[0-9]+}/staff", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const g = await group(c);
    if (!g) return c.notFound();
    const f = await formFields(c);
    try {
      await appointStaff(c.var.kindred.fedify(), viewer.account, g, f.handle ?? "", f.role);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return await staffPage(c, g, { errors: [error.message], handleValue: f.handle });
    }
    return c.redirect(`/g/${g.id}/staff?done=1`, 303);
  });

  app.post("/g/:id{[0-9]+}/staff/:actorId{[0-9]+}/dismiss", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const g = await group(c);
    const actorId = positiveInt(c.req.param("actorId"));
    if (!g || !actorId) return c.notFound();
    await dismissStaff(c.var.kindred.fedify(), viewer.account, g, actorId);
    return c.redirect(`/g/${g.id}/staff?done=1`, 303);
  });

  app.get("/g/:id{[0-9]+}/ban", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const g = await group(c);
    const id = positiveInt(c.req.query("actor"));
    const target = id ? await findActorById(c.var.kindred.db, id) : undefined;
    if (!g || !target) return c.notFound();
    await actingModerator(c.var.kindred.fedify(), viewer.account, g);
    return c.html(<BanPage page={pageInfo(c)} group={g} target={target} />);
  });

  app.post("/g/:id{[0-9]+}/ban", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const g = await group(c);
    const f = await formFields(c);
    const id = positiveInt(f.actor);
    const target = id ? await findActorById(c.var.kindred.db, id) : undefined;
    if (!g || !target) return c.notFound();
    try {
      await banMember(c.var.kindred.fedify(), viewer.account, g, target.id, f);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return c.html(<BanPage page={pageInfo(c)} group={g} target={target} errors={[error.message]} reason={f.reason} />, 422);
    }
    return c.redirect(`/g/${g.id}/staff?done=1`, 303);
  });

  app.post("/g/:id{[0-9]+}/bans/:actorId{[0-9]+}/lift", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const g = await group(c);
    const actorId = positiveInt(c.req.param("actorId"));
    if (!g || !actorId) return c.notFound();
    await unbanMember(c.var.kindred.fedify(), viewer.account, g, actorId);
    return c.redirect(`/g/${g.id}/staff?done=1`, 303);
  });

  return app;
}
