/**
 * The JSON API of the instance federation policy, admins only:
 * GET /admin/federation, PUT /admin/federation/mode, POST
 * /admin/federation/rules, DELETE /admin/federation/rules/:domain.
 * Mounted inside the API's bearer-token middleware (api.ts).
 */
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { readFederationPolicy, removeDomain, setDomainRule, setFederationMode } from "../federation-policy.ts";
import { ValidationError } from "../names.ts";
import { ForbiddenError } from "../posts.ts";

type C = Context<AppEnv>;

async function body(c: C): Promise<Record<string, unknown>> {
  const json = await c.req.json().catch(() => null);
  if (json && typeof json === "object" && !Array.isArray(json)) return json as Record<string, unknown>;
  throw new ValidationError("body", "the request body must be a JSON object");
}

function adminOnly(c: C) {
  if (c.var.account.role !== "admin") throw new ForbiddenError("instance admins only");
  return c.var.account;
}

export function federationPolicyApi(api: Hono<AppEnv>): void {
  api.get("/admin/federation", async (c) => {
    adminOnly(c);
    const policy = await readFederationPolicy(c.var.kindred.db);
    return c.json({
      mode: policy.mode,
      rules: policy.rules.map((r) => ({ domain: r.domain, action: r.action, reason: r.reason })),
    });
  });

  api.put("/admin/federation/mode", async (c) => {
    const admin = adminOnly(c);
    const { mode } = await body(c);
    return c.json({ mode: await setFederationMode(c.var.kindred.db, admin, mode) });
  });

  api.post("/admin/federation/rules", async (c) => {
    const admin = adminOnly(c);
    const { domain, action, reason } = await body(c);
    return c.json({ rule: await setDomainRule(c.var.kindred.db, admin, domain, action, reason) }, 201);
  });

  api.delete("/admin/federation/rules/:domain", async (c) => {
    const admin = adminOnly(c);
    const removed = await removeDomain(c.var.kindred.db, admin, decodeURIComponent(c.req.param("domain")));
    return c.json({ removed });
  });
}
