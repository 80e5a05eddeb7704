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
import { isGroupModerator } from "../db/groups.ts";
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
import { editPost, publishPost } from "../federation/member-actions.ts";
import { updatePost } from "../db/posts.ts";
import { PERSONAL_DETAIL_LABELS, redactSpans } from "../policy/oversharing.ts";
import { findPersonalDetails } from "./oversharing.ts";
import { sendLock, sendPin, sendRemove, sendRestore, sendUnlock } from "../federation/moderation-actions.ts";
import { renderMarkdown } from "./markdown.ts";
import { canModerate, moderatorRole } from "./membership.ts";
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
    moderator_role: await moderatorRole(ctx, account, moderator, group),
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
    moderator_role: await moderatorRole(ctx, account, moderator, group),
    action: "moderator_note",
    post_id: parent.id,
    reason: body.slice(0, 1000),
    activity_uri: null,
  });
  return note;
}

/** What replaces redacted personal details. */
export const REDACTED = "[removed by a moderator]";

/** A span of a post's text (its Markdown source, or its HTML when there is no source). */
export interface RedactSpan {
  start: number;
  end: number;
}

function checkSpans(spans: unknown, length: number): RedactSpan[] | undefined {
  if (spans == null) return undefined;
  const ok = Array.isArray(spans) && spans.length > 0 && spans.length <= 100 && spans.every((s) =>
    s && typeof s === "object" && Number.isSafeInteger(s.start) && Number.isSafeInteger(s.end) &&
    s.start >= 0 && s.end > s.start && s.end <= length
  );
  if (!ok) throw new ValidationError("spans", "spans must be a list of {start, end} within the post's text");
  return spans as RedactSpan[];
}

/**
 * Replaces personal details in a post with {@link REDACTED}: the given spans
 * of its text, or every detail the oversharing guard finds in its title and
 * text.  A local author's post is changed as an edit by its author, so the
 * `Update` reaches every server that has it (our server hosts the author).
 * A remote author's post is redacted in our copy only: we cannot sign an
 * `Update` for an actor of another server, and the group's removal remains
 * the way to take it down everywhere.
 */
export async function redactPost(
  ctx: Ctx,
  account: Account,
  moderator: Actor,
  post: Post,
  spansInput?: unknown,
): Promise<{ redacted: number }> {
  const group = await moderatedGroup(ctx, account, post);
  const db = ctx.data.db;
  const author = (await findActorById(db, post.author_id))!;
  const text = post.source ?? post.content_html;
  const spans = checkSpans(spansInput, text.length);
  const found = spans ? [] : findPersonalDetails(author, { title: post.title, body: text });
  const bodySpans = spans ?? found.filter((d) => d.field === "body");
  const titleSpans = found.filter((d) => d.field === "title");
  if (bodySpans.length + titleSpans.length === 0) throw new ValidationError("post", "no personal details found in that post");
  const title = post.title == null ? null : redactSpans(post.title, titleSpans, REDACTED);
  const redacted = redactSpans(text, bodySpans, REDACTED);
  const edit = post.source != null
    ? { title, source: redacted, content_html: renderMarkdown(redacted) }
    : { title, content_html: redacted };
  if (author.local) await editPost(ctx, author, group, post, edit);
  else await updatePost(db, post.id, edit);
  const kinds = spans ? ["chosen passages"] : [...new Set(found.map((d) => PERSONAL_DETAIL_LABELS[d.kind].toLowerCase()))];
  await logModeration(db, {
    group_actor_id: group.id,
    moderator_actor_id: moderator.id,
    moderator_role: await moderatorRole(ctx, account, moderator, group),
    action: "redact_post",
    post_id: post.id,
    reason: `Personal details removed (${kinds.join(", ")})${author.local ? "" : "; in this server's copy only"}.`,
    activity_uri: null,
  });
  return { redacted: bodySpans.length + titleSpans.length };
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
