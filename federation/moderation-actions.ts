/**
 * What moderators do to posts, federated as Lemmy does: the moderator's
 * `Delete` (remove, with the reason as `summary`) and its `Undo` (restore),
 * `Lock` and `Undo(Lock)`, and `Add` / `Remove` to the group's featured
 * collection (pin, unpin).  The moderator sends them to the group, which
 * announces them to its followers (FEP-1b12).  Only local groups are
 * moderated from here.
 */
import type { Context } from "@fedify/fedify";
import { type Activity, Add, Delete, Remove, Undo } from "@fedify/vocab";
import { recordActivity } from "../db/activities.ts";
import type { Actor, Post } from "../db/schema.ts";
import { groupAudience } from "./audience.ts";
import type { ContextData } from "./context.ts";
import { newActivityId, redistribute, remember } from "./delivery.ts";
import { EXTENSION_CONTEXT, plainJsonLd } from "./json-ld-extensions.ts";

type Ctx = Context<ContextData>;

function addressing(group: Actor) {
  return groupAudience(group, "activity");
}

/** The moderator's activity is kept (served at its id) and announced by the group. */
async function announce(ctx: Ctx, moderator: Actor, group: Actor, post: Post, activity: Activity): Promise<string> {
  await remember(ctx, moderator, activity);
  await redistribute(ctx, group, activity, undefined, post.uri);
  return activity.id!.href;
}

/** Removes a post: `Delete` of its id by the moderator, the reason as `summary`.  Returns the activity's id. */
export async function sendRemove(ctx: Ctx, moderator: Actor, group: Actor, post: Post, reason: string): Promise<string> {
  const del = new Delete({
    id: newActivityId(ctx),
    actor: new URL(moderator.uri),
    object: new URL(post.uri),
    summary: reason,
    ...addressing(group),
  });
  return await announce(ctx, moderator, group, post, del);
}

/** Restores a removed post: `Undo` of the removing `Delete`. */
export async function sendRestore(
  ctx: Ctx,
  moderator: Actor,
  group: Actor,
  post: Post,
  removeUri: string | null,
  reason: string,
): Promise<string> {
  const undo = new Undo({
    id: newActivityId(ctx),
    actor: new URL(moderator.uri),
    object: new Delete({
      id: removeUri ? new URL(removeUri) : null,
      actor: new URL(moderator.uri),
      object: new URL(post.uri),
      ...addressing(group),
    }),
    summary: reason || null,
    ...addressing(group),
  });
  return await announce(ctx, moderator, group, post, undo);
}

/** Pins (`Add`) or unpins (`Remove`) a thread in the group's featured collection. */
export async function sendPin(ctx: Ctx, moderator: Actor, group: Actor, post: Post, pinned: boolean): Promise<string> {
  const Type = pinned ? Add : Remove;
  const activity = new Type({
    id: newActivityId(ctx),
    actor: new URL(moderator.uri),
    object: new URL(post.uri),
    target: new URL(group.featured_url ?? `${group.uri}/featured`),
    ...addressing(group),
  });
  return await announce(ctx, moderator, group, post, activity);
}

/**
 * Locks a thread or comment: Lemmy's `Lock`, which Fedify cannot write, so
 * it is kept as JSON, served at its id, and the group announces it by id
 * (receivers fetch it from here).  Returns the `Lock`'s id.
 */
export async function sendLock(ctx: Ctx, moderator: Actor, group: Actor, post: Post, reason: string): Promise<string> {
  const id = newActivityId(ctx);
  const lock = {
    "@context": ["https://www.w3.org/ns/activitystreams", EXTENSION_CONTEXT],
    id: id.href,
    type: "Lock",
    actor: moderator.uri,
    object: post.uri,
    summary: reason || undefined,
    to: addressing(group).tos.map((u) => u.href),
    cc: addressing(group).ccs.map((u) => u.href),
    audience: group.uri,
  };
  await recordActivity(ctx.data.db, moderator.id, id.href, "Lock", lock);
  await redistribute(ctx, group, id, undefined, post.uri);
  return id.href;
}

/** Unlocks: `Undo` naming the `Lock` by its id (the `Lock` cannot be embedded, see sendLock). */
export async function sendUnlock(
  ctx: Ctx,
  moderator: Actor,
  group: Actor,
  post: Post,
  lockUri: string,
  reason: string,
): Promise<string> {
  const undo = new Undo({
    id: newActivityId(ctx),
    actor: new URL(moderator.uri),
    object: new URL(lockUri),
    summary: reason || null,
    ...addressing(group),
  });
  // Kept directly: `remember` would look inside the Undo, fetching the Lock.
  await recordActivity(ctx.data.db, moderator.id, undo.id!.href, "Undo", await plainJsonLd(undo, ctx.contextLoader));
  await redistribute(ctx, group, undo, undefined, post.uri);
  return undo.id!.href;
}
