/**
 * Undo (of a Follow, Like, Dislike, a moderator's Delete or Lock) and Announce (a remote group passing
 * on its members' activities, FEP-1b12).
 */
import type { Context } from "@fedify/fedify";
import {
  Activity,
  Add,
  type Announce,
  Block,
  Create,
  Delete,
  Dislike,
  Follow,
  Like,
  Question,
  Remove,
  Undo,
  Update,
} from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { findActorByUri } from "../../db/actors.ts";
import { hasLocalFollower } from "../../db/follows.ts";
import type { ContextData } from "../context.ts";
import { redistribute } from "../delivery.ts";
import { isPostObject, RefusedError, storeRemotePost } from "../store-post.ts";
import { onAddOrRemove } from "./add-remove.ts";
import { onBlock, onUndoBlock } from "./bans.ts";
import { onUndoFollow } from "./follows.ts";
import { objectOf, onCreate, onDelete, onUpdate, type Via } from "./posts.ts";
import { lockOf, onLockOrUnlock, onUndoDelete } from "./post-moderation.ts";
import { onUndoVote, onVote } from "./votes.ts";

const logger = getLogger(["kindred", "federation", "announce"]);

export async function onUndo(ctx: Context<ContextData>, undo: Undo, via: Via = {}): Promise<void> {
  if (!undo.actorId) return;
  const inner = await objectOf(undo);
  if (inner instanceof Follow) {
    await onUndoFollow(ctx, undo.actorId, inner);
  } else if (inner instanceof Like || inner instanceof Dislike) {
    const group = await onUndoVote(ctx, undo.actorId, inner);
    if (group?.local && !via.viaGroup) await redistribute(ctx, group, undo, undefined, inner.objectId?.href);
  } else if (inner instanceof Block) {
    await onUndoBlock(ctx, undo, inner, via);
  } else if (inner instanceof Delete) {
    await onUndoDelete(ctx, undo, inner, via);
  } else if (inner) {
    const lock = await lockOf(inner, undo);
    if (lock) await onLockOrUnlock(ctx, lock, via, undo);
  }
}

export async function onAnnounce(ctx: Context<ContextData>, announce: Announce): Promise<void> {
  if (!announce.actorId) return;
  const group = await findActorByUri(ctx.data.db, announce.actorId.href);
  // Only groups a local member follows speak to us this way.
  if (!group || group.local || group.type !== "Group" || !(await hasLocalFollower(ctx.data.db, group.id))) {
    logger.debug("Announce from {actor}, which no local member follows; ignored", { actor: announce.actorId.href });
    return;
  }
  const via = { viaGroup: group };
  // An inner activity or object from another origin is fetched from there:
  // the group's word is not taken for what someone else said.  That only
  // holds if each activity's id is on its actor's server: a group could
  // otherwise mint an id on its own (or its victim's) origin, and Fedify
  // would take the embedded copy as it is.
  if (!onActorsOrigin(announce)) {
    throw new RefusedError(`Announce ${announce.id?.href} is not on ${announce.actorId.href}'s server`);
  }
  const inner = await objectOf(announce);
  // A Question (a poll) is an Activity in Fedify's vocabulary, but an object here.
  if (inner instanceof Activity && !(inner instanceof Question) && !onActorsOrigin(inner)) {
    throw new RefusedError(
      `${announce.actorId.href} announces ${inner.id?.href ?? "an activity without id"} for ${inner.actorId?.href}`,
    );
  }
  if (inner instanceof Create) await onCreate(ctx, inner, via);
  else if (inner instanceof Update) await onUpdate(ctx, inner, via);
  else if (inner instanceof Delete) await onDelete(ctx, inner, via);
  else if (inner instanceof Like || inner instanceof Dislike) await onVote(ctx, inner, via);
  else if (inner instanceof Undo) await onUndo(ctx, inner, via);
  else if (inner instanceof Add || inner instanceof Remove) await onAddOrRemove(ctx, inner, via);
  else if (inner instanceof Block) await onBlock(ctx, inner, via);
  else if (inner && await lockOf(inner, announce)) await onLockOrUnlock(ctx, (await lockOf(inner, announce))!, via);
  else if (isPostObject(inner) && inner.attributionId) {
    // Announce(object), as Mastodon-compatible groups send.
    await storeRemotePost(ctx, inner, { sender: inner.attributionId, viaGroup: group });
  }
}

/** Whether the activity has an id, on the same origin as its actor. */
function onActorsOrigin(activity: Activity): boolean {
  return activity.id != null && activity.actorId != null && activity.id.origin === activity.actorId.origin;
}
