/**
 * Who may read a group on the web pages and the JSON API (issue 6, item 1;
 * docs/FEDERATION.md, "Group visibility"):
 * - public: anyone;
 * - private: its approved members, its moderators and the instance's admins
 *   (anyone may see its name and description, to ask to join);
 * - local-only: signed-in local accounts, per its join policy (open: every
 *   one of them; approval: approved members); anonymous readers see nothing
 *   of it, not even that it exists.
 */
import type { Context } from "@fedify/fedify";
import { findActorById } from "../db/actors.ts";
import { isApprovedMember } from "../db/follows.ts";
import type { NotificationView } from "../db/notifications.ts";
import type { Account, Actor, Post } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { canModerate } from "./membership.ts";

export interface Reader {
  account: Account;
  actor: Actor;
}

/** Whether the group itself (name, description, membership) is shown. */
export function canSeeGroup(group: Actor, reader?: Reader): boolean {
  return group.visibility !== "local" || reader != null;
}

/** Whether its threads, replies and polls are shown. */
export async function canReadGroupContent(ctx: Context<ContextData>, group: Actor, reader?: Reader): Promise<boolean> {
  if (group.visibility === "public") return true;
  if (!reader) return false;
  if (await canModerate(ctx, reader.account, group)) return true;
  if (group.visibility === "local" && !group.manually_approves_followers) return true;
  return await isApprovedMember(ctx.data.db, reader.actor.id, group.id);
}

/**
 * Whether the reader may see this post anywhere it is shown (thread pages,
 * reply and report forms, polls, images): its group's content is readable
 * to them, and the post is published and not removed, unless they wrote it
 * or moderate the group.  A deleted post is never shown.
 */
export async function mayReadPost(ctx: Context<ContextData>, post: Post, reader?: Reader): Promise<boolean> {
  if (post.deleted_at) return false;
  const group = await findActorById(ctx.data.db, post.group_id);
  if (!group) return false;
  if (post.review_state !== "published" || post.removed_at != null) {
    return reader != null && (reader.actor.id === post.author_id || await canModerate(ctx, reader.account, group));
  }
  return await canReadGroupContent(ctx, group, reader);
}

/**
 * Notifications about posts the reader can no longer read (they left a
 * private group, or were removed from it): the title and the link to the
 * post are left out.  The notification itself stays, so the member still
 * sees that something happened.
 */
export async function hideUnreadable(ctx: Context<ContextData>, reader: Reader, items: NotificationView[]): Promise<NotificationView[]> {
  const readable = new Map<number, boolean>();
  const out: NotificationView[] = [];
  for (const n of items) {
    const groupId = n.post_group_id;
    if (groupId == null) {
      out.push(n);
      continue;
    }
    if (!readable.has(groupId)) {
      const group = await findActorById(ctx.data.db, groupId);
      readable.set(groupId, group != null && await canReadGroupContent(ctx, group, reader));
    }
    out.push(readable.get(groupId) ? n : { ...n, post_id: null, post_uri: null, thread_title: null, post_review_reason: null });
  }
  return out;
}
