/**
 * What moderators do to posts: remove and restore, lock, pin, moderator
 * notes (distinguished replies) and the "needs a source" label.
 */
import type { Kysely, Transaction } from "kysely";
import type { Post, Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

/** Removes (reason given) or restores (null) a post; its content is kept either way. */
export async function setRemoved(db: Db, postId: number, reason: string | null): Promise<Post | undefined> {
  return await db.updateTable("posts")
    .set(reason == null ? { removed_at: null, removed_reason: null } : { removed_at: new Date(), removed_reason: reason })
    .where("id", "=", postId).returningAll().executeTakeFirst();
}

export async function setLocked(db: Db, postId: number, locked: boolean): Promise<void> {
  await db.updateTable("posts").set({ locked_at: locked ? new Date() : null }).where("id", "=", postId).execute();
}

/** Pins or unpins a thread (replies cannot be pinned). */
export async function setPinned(db: Db, postId: number, pinned: boolean): Promise<void> {
  await db.updateTable("posts").set({ pinned_at: pinned ? new Date() : null })
    .where("id", "=", postId).where("parent_id", "is", null).execute();
}

export async function setNeedsSource(db: Db, postId: number, needsSource: boolean): Promise<void> {
  await db.updateTable("posts").set({ needs_source: needsSource }).where("id", "=", postId).execute();
}

export async function setDistinguished(db: Db, postId: number, distinguished: boolean): Promise<void> {
  await db.updateTable("posts").set({ distinguished }).where("id", "=", postId).execute();
}

/**
 * Whether new replies under `post` are closed: the post itself, or its
 * thread, is locked.
 */
export async function isReplyLocked(db: Db, post: Post): Promise<boolean> {
  if (post.locked_at) return true;
  if (post.thread_id == null) return false;
  const root = await db.selectFrom("posts").select("locked_at").where("id", "=", post.thread_id).executeTakeFirst();
  return root?.locked_at != null;
}

/** The activity that last removed or locked a post (for its Undo), from the moderation log. */
export async function lastModerationActivity(db: Db, postId: number, action: string): Promise<string | null> {
  const row = await db.selectFrom("moderation_log").select("activity_uri")
    .where("post_id", "=", postId).where("action", "=", action)
    .orderBy("id", "desc").limit(1).executeTakeFirst();
  return row?.activity_uri ?? null;
}
