/** The instance admin page (/admin): admins only. */
import { Hono } from "hono";
import { listBlockedActors, listSuspendedAccounts } from "../../db/bans.ts";
import { blockActor, suspendAccount, verifyClinician } from "../admin.ts";
import type { AppEnv } from "../app-env.ts";
import { ValidationError } from "../names.ts";
import { AdminPage } from "../pages/admin.tsx";
import { ForbiddenError } from "../posts.ts";
import { type C, formFields, pageInfo, toLogin } from "./web-common.ts";

const NOTICES: Record<string, string> = {
  suspend: "The member is suspended.",
  unsuspend: "The member is reinstated.",
  block: "Blocked.",
  unblock: "Unblocked.",
  grant: "Badge granted.",
  revoke: "Badge revoked.",
};

async function adminPage(c: C, extra: { errors?: string[]; notice?: string } = {}) {
  const db = c.var.kindred.db;
  const lists = { suspended: await listSuspendedAccounts(db), blocked: await listBlockedActors(db) };
  return c.html(<AdminPage page={pageInfo(c)} lists={lists} {...extra} />, extra.errors ? 422 : 200);
}

export function webAdminRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("/admin/*", async (c, next) => {
    if (!c.var.viewer) return toLogin(c);
    if (c.var.viewer.account.role !== "admin") throw new ForbiddenError("this page is for the instance's admins");
    await next();
  });
  app.use("/admin", async (c, next) => {
    if (!c.var.viewer) return toLogin(c);
    if (c.var.viewer.account.role !== "admin") throw new ForbiddenError("this page is for the instance's admins");
    await next();
  });

  app.get("/admin", (c) => adminPage(c, { notice: NOTICES[c.req.query("done") ?? ""] }));

  app.post("/admin/:op{suspend|unsuspend|block|unblock}", async (c) => {
    const op = c.req.param("op");
    const f = await formFields(c);
    const ctx = c.var.kindred.fedify();
    const account = c.var.viewer!.account;
    const who = (f.who ?? "").trim();
    try {
      if (who === "") throw new ValidationError("who", "say whom");
      if (op === "suspend" || op === "unsuspend") await suspendAccount(ctx, account, who, op === "suspend", f.reason);
      else await blockActor(ctx, account, /^\d+$/.test(who) ? Number(who) : who, op === "block", f.reason);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return await adminPage(c, { errors: [error.message] });
    }
    return c.redirect(`/admin?done=${op}`, 303);
  });

  app.post("/admin/clinician/:op{grant|revoke}", async (c) => {
    const op = c.req.param("op");
    const f = await formFields(c);
    try {
      await verifyClinician(c.var.kindred.fedify(), c.var.viewer!.account, f.who ?? "", op === "grant");
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return await adminPage(c, { errors: [error.message] });
    }
    return c.redirect(`/admin?done=${op}`, 303);
  });

  return app;
}
