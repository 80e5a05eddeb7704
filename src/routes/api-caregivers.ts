/**
 * JSON API for caregivers (src/caregivers.ts): a group's audience and spaces
 * (`GET /groups/:groupId/spaces`), the badge a member shows in one group
 * (`PUT /groups/:groupId/member-type`), and opening a caregivers' space
 * (`POST /groups/:groupId/caregivers-space`).  A group's audience is one of
 * its settings (`PATCH /groups/:groupId`, `audience`).
 */
import type { Hono } from "hono";
import { findGroupActor } from "../../db/actors.ts";
import { findGroupById } from "../../db/groups.ts";
import type { AppEnv } from "../app-env.ts";
import { chooseGroupMemberType, groupSpaces, openCaregiversSpace } from "../caregivers.ts";
import { canSeeGroup } from "../group-access.ts";
import { actorJson } from "./api-json.ts";
import { body, groupParam } from "./api-params.ts";
import { membershipType } from "../../db/member-types.ts";

export function caregiversApi(api: Hono<AppEnv>): void {
  api.get("/groups/:groupId/spaces", async (c) => {
    const group = await groupParam(c);
    if (!group || !canSeeGroup(group, { account: c.var.account, actor: c.var.actor })) return c.json({ error: "no such group" }, 404);
    const row = group.group_id == null ? undefined : await findGroupById(c.var.kindred.db, group.group_id);
    const spaces = row ? await groupSpaces(c.var.kindred.db, row, { account: c.var.account, actor: c.var.actor }) : {};
    const mine = await membershipType(c.var.kindred.db, c.var.actor.id, group.id);
    return c.json({
      audience: row?.audience ?? null,
      caregiversSpace: spaces.caregiversSpace ? actorJson(spaces.caregiversSpace) : null,
      mainGroup: spaces.mainGroup ? actorJson(spaces.mainGroup) : null,
      // Your badge here: your choice for this group, or null for your profile's (undefined: not a member).
      memberType: mine ?? null,
      member: mine !== undefined,
    });
  });

  api.put("/groups/:groupId/member-type", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    const memberType = await chooseGroupMemberType(c.var.kindred.db, c.var.actor, group, (await body(c)).memberType);
    return c.json({ memberType, profile: c.var.account.member_type });
  });

  api.post("/groups/:groupId/caregivers-space", async (c) => {
    const group = await groupParam(c);
    if (!group) return c.json({ error: "no such group" }, 404);
    const space = await openCaregiversSpace(c.var.kindred.fedify(), c.var.account, group, { slug: (await body(c)).slug });
    return c.json({ group: actorJson((await findGroupActor(c.var.kindred.db, space.id))!) }, 201);
  });
}
