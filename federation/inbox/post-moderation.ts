/**
 * Moderation of posts received over federation, as Lemmy sends it: a
 * moderator's `Delete` of someone else's post (remove) and its `Undo`
 * (restore), `Lock` and `Undo(Lock)`, distinguished replies (moderator
 * notes), and replies into locked threads.  Each is honoured only under
 * requireModerator(): from the group itself, what it announces, or its
 * listed moderators.
 */
import type { Context } from "@fedify/fedify";
import type { Delete, Undo } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { findActorById } from "../../db/actors.ts";
import { logModeration } from "../../db/moderation-log.ts";
import { isReplyLocked, setDistinguished, setLocked, setRemoved } from "../../db/post-moderation.ts";
import { findPostByUri } from "../../db/posts.ts";
import type { Actor, Post } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { redistribute } from "../delivery.ts";
import { htmlToText } from "../html.ts";
import { type Authority, requireModerator } from "../moderation-authority.ts";
import { RefusedError } from "../store-post.ts";
import type { Via } from "./posts.ts";

const logger = getLogger(["kindred", "federation", "moderation"]);

type Ctx = Context<ContextData>;
type Json = Record<string, unknown>;

const LOCK_TYPES = ["Lock", "lemmy:Lock", "https://join-lemmy.org/ns#Lock"];

/** The document an object was read from (Fedify keeps it), for terms Fedify drops. */
export async function rawJson(object: { toJsonLd(): Promise<unknown> }): Promise<Json> {
  const json = await object.toJsonLd();
  return json && typeof json === "object" ? json as Json : {};
}

export function isLock(json: Json): boolean {
  return typeof json.type === "string" && LOCK_TYPES.includes(json.type);
}

/**
 * The Lock that `object` is, as JSON, or undefined.  Fedify keeps the JSON
 * of a document it fetched or was sent, but not always of what that
 * document embeds (an unknown type becomes a bare `Object`), so the
 * embedding documents (`outer`: the Undo or Announce) are searched for the
 * copy with the same id, which Fedify accepted as they came.
 */
export async function lockOf(object: { id: URL | null; toJsonLd(): Promise<unknown> }, ...outer: { toJsonLd(): Promise<unknown> }[]) {
  const own = await rawJson(object);
  if (isLock(own)) return own;
  for (const doc of outer) {
    let embedded: unknown = (await rawJson(doc)).object;
    for (let depth = 0; depth < 2 && embedded && typeof embedded === "object"; depth++) {
      const json = embedded as Json;
      if (isLock(json) && json.id === object.id?.href) return json;
      embedded = json.object;
    }
  }
  return undefined;
}

function idOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as Json).id === "string") return (value as Json).id as string;
  return undefined;
}

function reasonOf(summary: unknown): string {
  return summary == null ? "" : htmlToText(String(summary)).slice(0, 1000);
}

async function groupOf(ctx: Ctx, post: Post): Promise<Actor> {
  return (await findActorById(ctx.data.db, post.group_id))!;
}

async function log(ctx: Ctx, group: Actor, authority: Authority, action: string, post: Post, reason: string, uri?: string) {
  await logModeration(ctx.data.db, {
    group_actor_id: group.id,
    moderator_actor_id: authority.moderator?.id ?? null,
    moderator_role: authority.role,
    action,
    post_id: post.id,
    reason,
    activity_uri: uri ?? null,
  });
}

/** A `Delete` of someone else's post: a moderator removes it (content kept). */
export async function onModeratorDelete(ctx: Ctx, del: Delete, post: Post, via: Via): Promise<void> {
  const group = await groupOf(ctx, post);
  const authority = await requireModerator(ctx.data, group, del.actorId!, via.viaGroup);
  if (post.deleted_at) return;
  const reason = reasonOf(del.summary);
  await setRemoved(ctx.data.db, post.id, reason);
  await log(ctx, group, authority, "remove_post", post, reason, del.id?.href);
  if (group.local && !via.viaGroup) await redistribute(ctx, group, del, undefined, post.uri);
}

/** `Undo(Delete)`: a moderator restores a removed post.  A deleted post stays deleted. */
export async function onUndoDelete(ctx: Ctx, undo: Undo, del: Delete, via: Via): Promise<void> {
  const post = del.objectId ? await findPostByUri(ctx.data.db, del.objectId.href) : undefined;
  if (!post) return;
  if (post.deleted_at) throw new RefusedError(`${post.uri} was deleted by its author; its content is gone`);
  if (!post.removed_at) return;
  const group = await groupOf(ctx, post);
  const authority = await requireModerator(ctx.data, group, undo.actorId!, via.viaGroup);
  await setRemoved(ctx.data.db, post.id, null);
  await log(ctx, group, authority, "restore_post", post, reasonOf(undo.summary), undo.id?.href);
  if (group.local && !via.viaGroup) await redistribute(ctx, group, undo, undefined, post.uri);
}

/**
 * Lemmy's `Lock` of a thread or comment (Fedify has no class for it: the
 * raw JSON).  `lock` is the activity; `undo`, when it is being undone.
 */
export async function onLockOrUnlock(ctx: Ctx, lock: Json, via: Via, undo?: Undo): Promise<void> {
  const id = idOf(lock.id);
  const actor = idOf(lock.actor);
  // As for every activity: it lives on its actor's server.
  if (!id || !actor || !URL.canParse(id) || !URL.canParse(actor) || new URL(id).origin !== new URL(actor).origin) {
    throw new RefusedError(`Lock ${id ?? "without id"} is not on ${actor ?? "its actor"}'s server`);
  }
  const object = idOf(lock.object);
  const post = object ? await findPostByUri(ctx.data.db, object) : undefined;
  if (!post) {
    logger.debug("Lock of {object}, which we do not know; ignored", { object });
    return;
  }
  const group = await groupOf(ctx, post);
  const sender = undo ? undo.actorId! : new URL(actor);
  const authority = await requireModerator(ctx.data, group, sender, via.viaGroup);
  await setLocked(ctx.data.db, post.id, !undo);
  const reason = reasonOf(undo ? undo.summary : lock.summary);
  await log(ctx, group, authority, undo ? "unlock_post" : "lock_post", post, reason, undo?.id?.href ?? id);
  if (group.local && !via.viaGroup) await redistribute(ctx, group, undo ?? new URL(id), undefined, post.uri);
}

/**
 * A reply into a locked thread (or under a locked comment) of a local group
 * is refused, unless a moderator wrote it.  A remote group decides for its
 * own threads: what it announces is taken.
 */
export async function refuseLockedReply(ctx: Ctx, parentUri: URL | null, sender: URL, via: Via): Promise<void> {
  if (!parentUri || via.viaGroup) return;
  const parent = await findPostByUri(ctx.data.db, parentUri.href);
  if (!parent || !(await isReplyLocked(ctx.data.db, parent))) return;
  const group = await groupOf(ctx, parent);
  if (!group.local) return;
  try {
    await requireModerator(ctx.data, group, sender);
  } catch (error) {
    if (error instanceof RefusedError) throw new RefusedError(`${parent.uri} is locked: no new replies`);
    throw error;
  }
}

/**
 * A distinguished reply (Lemmy's `distinguished: true`, our moderator note)
 * is honoured only from a moderator; otherwise it stays a normal reply.
 */
export async function honourDistinguished(
  ctx: Ctx,
  object: { toJsonLd(): Promise<unknown> },
  post: Post,
  group: Actor,
  sender: URL,
  via: Via,
): Promise<void> {
  if (post.parent_id == null || (await rawJson(object)).distinguished !== true) return;
  try {
    await requireModerator(ctx.data, group, sender, via.viaGroup);
  } catch (error) {
    if (!(error instanceof RefusedError)) throw error;
    logger.info("{post} claims to be distinguished, but {sender} does not moderate {group}; a normal reply", {
      post: post.uri,
      sender: sender.href,
      group: group.uri,
    });
    return;
  }
  await setDistinguished(ctx.data.db, post.id, true);
}
