/**
 * Appointing and dismissing moderators (`Add` / `Remove` of a person to a
 * group's moderators collection, as Lemmy sends them).  Honoured only from
 * the group, what it announces, or its listed moderators.  For a local group
 * the change is announced to its followers; for a remote group we follow,
 * it updates our copy of its moderators, which is what lets us honour their
 * moderation later.  An owner is never dismissed (nor demoted) this way.
 */
import type { Context } from "@fedify/fedify";
import { Add, type Remove } from "@fedify/vocab";
import { addGroupStaff, removeGroupStaff, staffRole } from "../../db/groups.ts";
import { logModeration } from "../../db/moderation-log.ts";
import type { Actor } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { redistribute } from "../delivery.ts";
import { requireModerator } from "../moderation-authority.ts";
import { resolveActor } from "../remote-actors.ts";
import { RefusedError } from "../store-post.ts";
import type { Via } from "./posts.ts";

export async function onModeratorsChange(
  ctx: Context<ContextData>,
  activity: Add | Remove,
  group: Actor,
  via: Via,
): Promise<void> {
  if (!activity.actorId || !activity.objectId) throw new RefusedError(`${activity.id?.href}: no actor or object`);
  const authority = await requireModerator(ctx.data, group, activity.actorId, via.viaGroup);
  const person = await resolveActor(ctx, activity.objectId).catch(() => {
    throw new RefusedError(`${activity.id?.href}: could not fetch ${activity.objectId?.href}`);
  });
  if (person.type === "Group") throw new RefusedError(`${activity.id?.href}: a group cannot moderate`);
  const db = ctx.data.db;
  const role = await staffRole(db, group.id, person.id);
  if (role === "owner") throw new RefusedError(`${activity.id?.href}: ${person.uri} owns ${group.uri}`);
  const appoint = activity instanceof Add;
  if (appoint ? role === "moderator" : role !== "moderator") return;
  await db.transaction().execute(async (trx) => {
    if (appoint) await addGroupStaff(trx, group.id, person.id, "moderator");
    else await removeGroupStaff(trx, group.id, person.id);
    await logModeration(trx, {
      group_actor_id: group.id,
      moderator_actor_id: authority.moderator?.id ?? null,
      moderator_role: authority.role,
      action: appoint ? "appoint moderator" : "dismiss moderator",
      target_actor_id: person.id,
      activity_uri: activity.id?.href ?? null,
    });
  });
  if (group.local && !via.viaGroup) await redistribute(ctx, group, activity);
}
