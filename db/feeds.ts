/**
 * What a public group's and a public thread's feeds list: published posts
 * only (never held, rejected, removed or deleted ones, nor those of authors
 * an admin blocked instance-wide), newest first.
 */
import type { Kysely } from "kysely";
import type { Schema } from "./schema.ts";

type Db = Kysely<Schema>;

export interface FeedItem {
  id: number;
  uri: string;
  local: boolean;
  title: string | null;
  content_html: string;
  summary: string | null;
  sensitive: boolean;
  published_at: Date;
  updated_at: Date | null;
  author_name: string | null;
  author_username: string;
  author_host: string;
  author_uri: string;
}

function feedItems(db: Db) {
  return db.selectFrom("posts")
    .innerJoin("actors as a", "a.id", "posts.author_id")
    .select([
      "posts.id", "posts.uri", "posts.local", "posts.title", "posts.content_html", "posts.summary", "posts.sensitive",
      "posts.published_at", "posts.updated_at",
      "a.name as author_name", "a.username as author_username", "a.host as author_host", "a.uri as author_uri",
    ])
    .where("posts.deleted_at", "is", null)
    .where("posts.removed_at", "is", null)
    .where("posts.review_state", "=", "published")
    .where("a.blocked_at", "is", null);
}

/** A group's newest threads (by publication). */
export async function listFeedThreads(db: Db, groupActorId: number, limit: number): Promise<FeedItem[]> {
  return await feedItems(db)
    .where("posts.group_id", "=", groupActorId)
    .where("posts.parent_id", "is", null)
    .orderBy("posts.published_at", "desc").orderBy("posts.id", "desc").limit(limit).execute();
}

/** A thread's newest replies, at any depth. */
export async function listFeedReplies(db: Db, threadId: number, limit: number): Promise<FeedItem[]> {
  return await feedItems(db)
    .where("posts.thread_id", "=", threadId)
    .orderBy("posts.published_at", "desc").orderBy("posts.id", "desc").limit(limit).execute();
}

/**
 * When something may have left or joined a group's feeds without any listed
 * post changing: the latest deletion of one of its posts, and the latest entry
 * of its moderation log (removals, restorations, approvals of held posts,
 * bans that remove posts).  Feeds take it into their Last-Modified, so that a
 * reader sending only If-Modified-Since is not told "nothing changed".
 */
export async function feedTouchedAt(db: Db, groupActorId: number): Promise<Date | null> {
  const deleted = await db.selectFrom("posts").select((eb) => eb.fn.max("posts.deleted_at").as("at"))
    .where("posts.group_id", "=", groupActorId).executeTakeFirst();
  const logged = await db.selectFrom("moderation_log").select((eb) => eb.fn.max("moderation_log.created_at").as("at"))
    .where("moderation_log.group_actor_id", "=", groupActorId).executeTakeFirst();
  const times = [deleted?.at, logged?.at].filter((t): t is Date => t != null).map((t) => new Date(t));
  return times.length ? new Date(Math.max(...times.map((t) => t.getTime()))) : null;
}
