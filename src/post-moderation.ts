/**
 * Moderators acting on posts of a local group: remove and restore, lock
 * and unlock, pin and unpin, moderator notes and the "needs a source"
 * label.  Checks here; the federated part in
 * federation/moderation-actions.ts; every action is in the moderation log,
 * whose entry is also the affected member's statement of reasons.
 */
import type { Context } from "@fedify/fedify";
import { findAccountById } from "../db/accounts.ts";
import { findActorById } from "../db/actors.ts";
import { isGroupModerator, staffRole } from "../db/groups.ts";
import { logModeration } from "../db/moderation-log.ts";
import {
  isReplyLocked,
  lastModerationActivity,
  setLocked,
  setNeedsSource,
  setPinned,
  setRemoved,
} from "../db/post-moderation.ts";
import type { Account, Actor, Post } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { publishPost } from "../federation/member-actions.ts";
import { sendLock, sendPin, sendRemove, sendRestore, sendUnlock } from "../federation/moderation-actions.ts";
import { renderMarkdown } from "./markdown.ts";
import { canModerate } from "./membership.ts";
import { ValidationError } from "./names.ts";
import { ForbiddenError } from "./posts.ts";

type Ctx = Context<ContextData>;

export const POST_ACTIONS = ["remove", "restore", "lock", "unlock", "pin", "unpin", "needs-source", "source-ok"] as const;
export type PostAction = typeof POST_ACTIONS[number];

/** What the moderation log says for each action. */
const LOGGED: Record<PostAction, string> = {
  remove: "remove_post",
  restore: "restore_post",
  lock: "lock_post",
  unlock: "unlock_post",
  pin: "pin_post",
  unpin: "unpin_post",
  "needs-source": "needs_source",
  "source-ok": "source_ok",
};

function checkReason(reason: unknown, required: boolean): string {
  const text = typeof reason === "string" ? reason.trim() : "";
  if (required && text === "") throw new ValidationError("reason", "give a reason: the member is told it");
  if (text.length > 1000) throw new ValidationError("reason", "reason is longer than 1,000 characters");
  return text;
}

/** The group of a post that `account` may moderate here, or ForbiddenError. */
async function moderatedGroup(ctx: Ctx, account: Account, post: Post): Promise<Actor> {
  const group = (await findActorById(ctx.data.db, post.group_id))!;
  if (!(await canModerate(ctx, account, group))) throw new ForbiddenError("only the group's moderators may do this");
  if (!group.local) throw new ForbiddenError("this group lives on another server: moderate it there");
  if (post.deleted_at) throw new ValidationError("post", "that post was deleted");
  return group;
}

/** The role shown in the log: the moderator's place in the group, or "admin". */
async function roleOf(ctx: Ctx, account: Account, moderator: Actor, group: Actor): Promise<string> {
  return (await staffRole(ctx.data.db, group.id, moderator.id)) ?? (account.role === "admin" ? "admin" : "moderator");
}

export function isPostAction(value: unknown): value is PostAction {
  return typeof value === "string" && (POST_ACTIONS as readonly string[]).includes(value);
}

/** Takes a moderation action on a post; `reason` is required to remove it. */
export async function moderatePost(
  ctx: Ctx,
  account: Account,
  moderator: Actor,
  post: Post,
  action: unknown,
  reasonInput?: unknown,
): Promise<void> {
  if (!isPostAction(action)) throw new ValidationError("action", `action must be one of ${POST_ACTIONS.join(", ")}`);
  const group = await moderatedGroup(ctx, account, post);
  const reason = checkReason(reasonInput, action === "remove");
  const db = ctx.data.db;
  let activityUri: string | null = null;
  switch (action) {
    case "remove":
      await setRemoved(db, post.id, reason);
      activityUri = await sendRemove(ctx, moderator, group, post, reason);
      break;
    case "restore":
      if (!post.removed_at) throw new ValidationError("post", "that post is not removed");
      await setRemoved(db, post.id, null);
      activityUri = await sendRestore(ctx, moderator, group, post, await lastModerationActivity(db, post.id, "remove_post"), reason);
      break;
    case "lock":
      await setLocked(db, post.id, true);
      activityUri = await sendLock(ctx, moderator, group, post, reason);
      break;
    case "unlock": {
      if (!post.locked_at) throw new ValidationError("post", "that post is not locked");
      await setLocked(db, post.id, false);
      const lockUri = await lastModerationActivity(db, post.id, "lock_post");
      if (lockUri) activityUri = await sendUnlock(ctx, moderator, group, post, lockUri, reason);
      break;
    }
    case "pin":
    case "unpin":
      if (post.parent_id != null) throw new ValidationError("post", "only threads can be pinned");
      await setPinned(db, post.id, action === "pin");
      activityUri = await sendPin(ctx, moderator, group, post, action === "pin");
      break;
    case "needs-source":
    case "source-ok":
      // A label on this instance's pages only: nothing is sent.
      await setNeedsSource(db, post.id, action === "needs-source");
      break;
  }
  await logModeration(db, {
    group_actor_id: group.id,
    moderator_actor_id: moderator.id,
    moderator_role: await roleOf(ctx, account, moderator, group),
    action: LOGGED[action],
    post_id: post.id,
    reason,
    activity_uri: activityUri,
  });
}

/** A moderator's note under a post: a distinguished reply, shown above the post's replies. */
export async function postModeratorNote(
  ctx: Ctx,
  account: Account,
  moderator: Actor,
  parent: Post,
  body: unknown,
): Promise<Post> {
  const group = await moderatedGroup(ctx, account, parent);
  if (typeof body !== "string" || body.trim() === "") throw new ValidationError("body", "the note must not be empty");
  if (body.length > 10_000) throw new ValidationError("body", "the note is longer than 10,000 characters");
  const note = await publishPost(ctx, moderator, group, {
    parent,
    content_html: renderMarkdown(body),
    source: body,
    distinguished: true,
  });
  await logModeration(ctx.data.db, {
    group_actor_id: group.id,
    moderator_actor_id: moderator.id,
    moderator_role: await roleOf(ctx, account, moderator, group),
    action: "moderator_note",
    post_id: parent.id,
    reason: body.slice(0, 1000),
    activity_uri: null,
  });
  return note;
}

/** Whether a local actor moderates the group (listed, or an admin of a local group). */
export async function actorModerates(ctx: Ctx, actor: Actor, group: Actor): Promise<boolean> {
  if (await isGroupModerator(ctx.data.db, group.id, actor.id)) return true;
  const account = actor.account_id != null ? await findAccountById(ctx.data.db, actor.account_id) : undefined;
  return account?.role === "admin" && group.local;
}

/** Refuses a reply into a locked thread (or under a locked comment), except from a moderator. */
export async function refuseLockedReply(ctx: Ctx, author: Actor, parent: Post, group: Actor): Promise<void> {
  if (!(await isReplyLocked(ctx.data.db, parent))) return;
  if (await actorModerates(ctx, author, group)) return;
  throw new ForbiddenError("this thread is locked: it takes no new replies");
}
