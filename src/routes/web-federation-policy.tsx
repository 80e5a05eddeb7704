/** The instance federation policy page (/admin/federation): admins only (the /admin/* guard in web-admin.tsx). */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { readFederationPolicy, removeDomain, setDomainRule, setFederationMode } from "../federation-policy.ts";
import { ValidationError } from "../names.ts";
import { listDirectoryPeerCounts } from "../../db/directory.ts";
import { describeRefresh, runDirectoryRefresh } from "../directory-refresh.ts";
import { FederationPolicyPage } from "../pages/federation-policy.tsx";
import { ForbiddenError } from "../posts.ts";
import { type C, formFields, pageInfo, toLogin } from "./web-common.ts";

const NOTICES: Record<string, string> = {
  mode: "Mode saved. Other processes apply it within a few seconds.",
  rule: "Rule added.",
  remove: "Rules removed.",
};

async function policyPage(c: C, extra: { errors?: string[]; notice?: string; refreshed?: string[] } = {}) {
  const policy = await readFederationPolicy(c.var.kindred.db);
  const directoryPeers = await listDirectoryPeerCounts(c.var.kindred.db);
  return c.html(<FederationPolicyPage page={pageInfo(c)} policy={policy} directoryPeers={directoryPeers} {...extra} />,
    extra.errors ? 422 : 200);
}

export function webFederationPolicyRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("/admin/federation/*", async (c, next) => {
    if (!c.var.viewer) return toLogin(c);
    if (c.var.viewer.account.role !== "admin") throw new ForbiddenError("this page is for the instance's admins");
    await next();
  });
  app.use("/admin/federation", async (c, next) => {
    if (!c.var.viewer) return toLogin(c);
    if (c.var.viewer.account.role !== "admin") throw new ForbiddenError("this page is for the instance's admins");
    await next();
  });

  app.get("/admin/federation", (c) => policyPage(c, { notice: NOTICES[c.req.query("done") ?? ""] }));

  // Fetch the peers' group directories now; the page shows what happened.
  app.post("/admin/federation/directory-refresh", async (c) => {
    const report = await runDirectoryRefresh(c.var.kindred.fedify(), `web-${c.var.viewer!.account.username}`);
    return await policyPage(c, { notice: "Directories fetched.", refreshed: describeRefresh(report) });
  });

  app.post("/admin/federation/:op{mode|rules|remove}", async (c) => {
    const op = c.req.param("op");
    const f = await formFields(c);
    const db = c.var.kindred.db;
    const admin = c.var.viewer!.account;
    try {
      if (op === "mode") await setFederationMode(db, admin, f.mode);
      else if (op === "rules") await setDomainRule(db, admin, f.domain, f.action, f.reason);
      else await removeDomain(db, admin, f.domain);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return await policyPage(c, { errors: [error.message] });
    }
    return c.redirect(`/admin/federation?done=${op === "rules" ? "rule" : op}`, 303);
  });
  return app;
}
