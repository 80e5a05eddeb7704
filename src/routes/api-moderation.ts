/**
 * The JSON API for moderators, group owners and instance admins: bans,
 * staff (moderators and mentors), suspensions, blocks and the clinician
 * badge.  Mounted inside the API's bearer-token middleware (api.ts).
 */
import type { Context, Hono } from "hono";
import { findActorById } from "../../db/actors.ts";
import { listActiveBans, listBlockedActors } from "../../db/bans.ts";
import { listGroupStaff } from "../../db/groups.ts";
import { blockActor, suspendAccount, verifyClinician } from "../admin.ts";
import type { AppEnv } from "../app-env.ts";
import { banMember, unbanMember } from "../bans.ts";
import { actingModerator } from "../membership.ts";
import { ValidationError } from "../names.ts";
import { ForbiddenError } from "../posts.ts";
import { appointStaff, dismissStaff, findPerson } from "../staff.ts";
import { MAX_ID } from "./web-common.ts";

type C = Context<AppEnv>;

async function body(c: C): Promise<Record<string, unknown>> {
  const json = await c.req.json().catch(() => null);
  if (json && typeof json === "object" && !Array.isArray(json)) return json as Record<string, unknown>;
  throw new ValidationError("body", "the request body must be a JSON object");
}

function id(c: C, name: string): number {
  const value = Number(c.req.param(name));
  if (!Number.isSafeInteger(value) || value <= 0 || value > MAX_ID) {
    throw new ValidationError(name, `${name} must be a positive integer`);
  }
  return value;
}

async function group(c: C) {
  const actor = await findActorById(c.var.kindred.db, id(c, "groupId"));
  return actor?.type === "Group" ? actor : undefined;
}

const person = (a: { id?: number; actor_id?: number; uri: string; username: string; host: string; name: string | null }) => ({
  id: a.actor_id ?? a.id,
  uri: a.uri,
  handle: `@${a.username}@${a.host}`,
  name: a.name,
});

function adminOnly(c: C): void {
  if (c.var.account.role !== "admin") throw new ForbiddenError("instance admins only");
}

export function moderationApiRoutes(api: Hono<AppEnv>): void {
  api.get("/groups/:groupId/staff", async (c) => {
    const g = await group(c);
    if (!g) return c.json({ error: "no such group" }, 404);
    const staff = await listGroupStaff(c.var.kindred.db, g.id);
    return c.json({ staff: staff.map((s) => ({ ...person(s), role: s.role })) });
  });

  api.post("/groups/:groupId/staff", async (c) => {
    const g = await group(c);
    if (!g) return c.json({ error: "no such group" }, 404);
    const { handle, role } = await body(c);
    if (typeof handle !== "string") throw new ValidationError("handle", "handle is required");
    const appointed = await appointStaff(c.var.kindred.fedify(), c.var.account, g, handle, role);
    return c.json({ staff: { ...person(appointed), role } }, 201);
  });

  api.delete("/groups/:groupId/staff/:actorId", async (c) => {
    const g = await group(c);
    if (!g) return c.json({ error: "no such group" }, 404);
    const removed = await dismissStaff(c.var.kindred.fedify(), c.var.account, g, id(c, "actorId"));
    return removed ? c.json({ ok: true }) : c.json({ error: "not on the staff" }, 404);
  });

  api.get("/groups/:groupId/bans", async (c) => {
    const g = await group(c);
    if (!g) return c.json({ error: "no such group" }, 404);
    await actingModerator(c.var.kindred.fedify(), c.var.account, g);
    const bans = await listActiveBans(c.var.kindred.db, g.id);
    return c.json({
      bans: bans.map((b) => ({ actor: person(b), reason: b.reason, expires: b.expires_at?.toISOString() ?? null })),
    });
  });

  api.post("/groups/:groupId/bans", async (c) => {
    const g = await group(c);
    if (!g) return c.json({ error: "no such group" }, 404);
    const ctx = c.var.kindred.fedify();
    const input = await body(c);
    let actorId = typeof input.actorId === "number" ? input.actorId : undefined;
    if (actorId == null) {
      if (typeof input.actor !== "string") throw new ValidationError("actor", "give actorId or actor (a handle)");
      actorId = (await findPerson(ctx, input.actor)).id;
    }
    const state = await banMember(ctx, c.var.account, g, actorId, input);
    return c.json({ state }, state === "banned" ? 201 : 202);
  });

  api.delete("/groups/:groupId/bans/:actorId", async (c) => {
    const g = await group(c);
    if (!g) return c.json({ error: "no such group" }, 404);
    const state = await unbanMember(c.var.kindred.fedify(), c.var.account, g, id(c, "actorId"));
    return state === "none" ? c.json({ error: "no ban in force" }, 404) : c.json({ state });
  });

  api.post("/admin/accounts/:username/suspension", async (c) => {
    adminOnly(c);
    const { reason } = await body(c);
    await suspendAccount(c.var.kindred.fedify(), c.var.account, c.req.param("username"), true, reason);
    return c.json({ suspended: true });
  });

  api.delete("/admin/accounts/:username/suspension", async (c) => {
    adminOnly(c);
    await suspendAccount(c.var.kindred.fedify(), c.var.account, c.req.param("username"), false);
    return c.json({ suspended: false });
  });

  api.put("/admin/accounts/:username/clinician", async (c) => {
    adminOnly(c);
    await verifyClinician(c.var.kindred.fedify(), c.var.account, c.req.param("username"), true);
    return c.json({ clinician: true });
  });

  api.delete("/admin/accounts/:username/clinician", async (c) => {
    adminOnly(c);
    await verifyClinician(c.var.kindred.fedify(), c.var.account, c.req.param("username"), false);
    return c.json({ clinician: false });
  });

  api.get("/admin/blocks", async (c) => {
    adminOnly(c);
    const rows = await listBlockedActors(c.var.kindred.db);
    return c.json({ blocks: rows.map((r) => ({ ...person(r), reason: r.blocked_reason })) });
  });

  api.post("/admin/blocks", async (c) => {
    adminOnly(c);
    const { actor, reason } = await body(c);
    if (typeof actor !== "string") throw new ValidationError("actor", "actor (a handle or URL) is required");
    const blocked = await blockActor(c.var.kindred.fedify(), c.var.account, actor, true, reason);
    return c.json({ blocked: person(blocked) }, 201);
  });

  api.delete("/admin/blocks/:actorId", async (c) => {
    adminOnly(c);
    await blockActor(c.var.kindred.fedify(), c.var.account, id(c, "actorId"), false);
    return c.json({ ok: true });
  });
}
