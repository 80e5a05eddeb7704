/**
 * Bans from a group (Lemmy): `Block` with `target` the group, `summary` the
 * reason, `endTime` (Lemmy 1.0) or `expires` (0.19) and `removeData`; lifted
 * by `Undo(Block)`.  Honoured only from the group, what it announces, or its
 * listed moderators (federation/moderation-authority.ts).  For a local group
 * the group then announces it to its followers; for a remote group we
 * follow, we keep our copy of its bans, so that our members see them.
 *
 * A `Block` whose target is not a group (Lemmy's instance-wide "site ban",
 * or Mastodon's personal block) changes nothing here: another server's
 * verdict on its own users is not applied to our groups, and nobody's
 * personal blocks are our business.
 */
import type { Context } from "@fedify/fedify";
import type { Block, Undo } from "@fedify/vocab";
import { findActorByUri } from "../../db/actors.ts";
import { deleteBan, recordBan } from "../../db/bans.ts";
import { staffRole } from "../../db/groups.ts";
import { logModeration } from "../../db/moderation-log.ts";
import type { Actor } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { redistribute } from "../delivery.ts";
import { htmlToText } from "../html.ts";
import { requireModerator } from "../moderation-authority.ts";
import { resolveActor } from "../remote-actors.ts";
import { RefusedError } from "../store-post.ts";
import type { Via } from "./posts.ts";

type Json = Record<string, unknown>;

const LEMMY = "https://join-lemmy.org/ns#";

/** The group a Block is about, or a refusal naming why it is none of ours. */
async function bannedFrom(ctx: Context<ContextData>, block: Block): Promise<Actor> {
  const target = block.targetId;
  if (!target) throw new RefusedError(`${block.id?.href}: a Block without target (a personal block) is ignored`);
  const group = await findActorByUri(ctx.data.db, target.href);
  if (group?.type === "Group") return group;
  throw new RefusedError(
    `${block.id?.href}: ${target.href} is not a group we know (an instance-wide ban elsewhere is not applied here)`,
  );
}

function rawValue(raw: Json, term: string): unknown {
  return raw[term] ?? raw[`lemmy:${term}`] ?? raw[`${LEMMY}${term}`];
}

/** Expiry: `endTime` as Fedify read it (Lemmy's context maps `expires` to it), else the raw terms. */
function expiryOf(block: Block, raw: Json): Date | null {
  if (block.endTime) return new Date(block.endTime.epochMilliseconds);
  const text = raw.expires ?? raw.endTime;
  if (typeof text !== "string") return null;
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time);
}

export async function onBlock(ctx: Context<ContextData>, block: Block, via: Via = {}): Promise<void> {
  if (!block.actorId || !block.objectId) throw new RefusedError(`${block.id?.href}: no actor or object`);
  const group = await bannedFrom(ctx, block);
  const authority = await requireModerator(ctx.data, group, block.actorId, via.viaGroup);
  const target = await resolveActor(ctx, block.objectId).catch(() => {
    throw new RefusedError(`${block.id?.href}: could not fetch ${block.objectId?.href}`);
  });
  if (await staffRole(ctx.data.db, group.id, target.id) === "owner") {
    throw new RefusedError(`${block.id?.href}: the owner of ${group.uri} cannot be banned from it`);
  }
  const raw = await block.toJsonLd() as Json;
  const reason = block.summary ? htmlToText(block.summary.toString()).slice(0, 500) : null;
  const expiresAt = expiryOf(block, raw);
  const removeData = rawValue(raw, "removeData") === true;
  await recordBan(ctx.data.db, {
    groupActorId: group.id,
    actorId: target.id,
    reason,
    expiresAt,
    bannedBy: authority.moderator?.id ?? null,
    activityUri: block.id?.href ?? null,
    removeData,
    moderatorRole: authority.role,
  });
  if (group.local && !via.viaGroup) await redistribute(ctx, group, block);
}

export async function onUndoBlock(ctx: Context<ContextData>, undo: Undo, block: Block, via: Via = {}): Promise<void> {
  if (!undo.actorId || !block.objectId) throw new RefusedError(`${undo.id?.href}: no actor or object`);
  const group = await bannedFrom(ctx, block);
  const authority = await requireModerator(ctx.data, group, undo.actorId, via.viaGroup);
  const target = await findActorByUri(ctx.data.db, block.objectId.href);
  if (!target) return;
  const lifted = await ctx.data.db.transaction().execute(async (trx) => {
    if (!(await deleteBan(trx, group.id, target.id))) return false;
    await logModeration(trx, {
      group_actor_id: group.id,
      moderator_actor_id: authority.moderator?.id ?? null,
      moderator_role: authority.role,
      action: "unban",
      target_actor_id: target.id,
      activity_uri: undo.id?.href ?? null,
    });
    return true;
  });
  if (lifted && group.local && !via.viaGroup) await redistribute(ctx, group, undo);
}
