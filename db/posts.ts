/** Queries on threads and replies, local and remote. */
import { type Kysely, sql, type Transaction } from "kysely";
import type { GroupVisibility, MemberType, NewPost, Post, Schema } from "./schema.ts";
import { memberTypeIn } from "./member-types.ts";
import { inThread, type ThreadPageRange } from "./thread-pages.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

/** The next post id, for local posts whose URI contains it. */
export async function nextPostId(db: Db): Promise<number> {
  const { rows } = await sql<{ id: number }>`select nextval(pg_get_serial_sequence('posts', 'id'))::int as id`
    .execute(db);
  return rows[0].id;
}

/**
 * Stores a post unless its URI is known already (a duplicate delivery);
 * bumps the thread's and parent's counters.  Run inside a transaction.
 * Returns the stored post and whether it is new.
 */
export async function insertPost(trx: Transaction<Schema>, post: NewPost): Promise<{ post: Post; created: boolean }> {
  const inserted = await trx.insertInto("posts").values(post)
    .onConflict((oc) => oc.column("uri").doNothing())
    .returningAll().executeTakeFirst();
  if (!inserted) {
    return { post: await trx.selectFrom("posts").selectAll().where("uri", "=", post.uri).executeTakeFirstOrThrow(), created: false };
  }
  // A held reply counts once a moderator approves it (db/premoderation.ts).
  if (inserted.thread_id != null && inserted.review_state === "published") {
    await trx.updateTable("posts")
      .set({ reply_count: sql`reply_count + 1`, last_activity_at: sql`greatest(last_activity_at, ${inserted.published_at})` })
      .where("id", "=", inserted.thread_id).execute();
  }
  return { post: inserted, created: true };
}

export function findPostByUri(db: Db, uri: string): Promise<Post | undefined> {
  return db.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirst();
}

export function findPostById(db: Db, id: number): Promise<Post | undefined> {
  return db.selectFrom("posts").selectAll().where("id", "=", id).executeTakeFirst();
}

export interface PostEdit {
  title?: string | null;
  content_html: string;
  source?: string | null;
  summary?: string | null;
  sensitive?: boolean;
}

export async function updatePost(db: Db, id: number, edit: PostEdit, at = new Date()): Promise<Post | undefined> {
  return await db.updateTable("posts").set({ ...edit, updated_at: at })
    .where("id", "=", id).where("deleted_at", "is", null)
    .returningAll().executeTakeFirst();
}

/** Keeps a tombstone (for threading and for peers asking) and erases the content. */
export async function tombstonePost(db: Db, id: number, at = new Date()): Promise<Post | undefined> {
  return await db.updateTable("posts")
    .set({ deleted_at: at, title: null, content_html: "", source: null, summary: null, url: null })
    .where("id", "=", id).where("deleted_at", "is", null)
    .returningAll().executeTakeFirst();
}

/** Sets (1 / -1) or clears (0) an actor's vote and recounts the post. */
export async function setVote(
  trx: Transaction<Schema>,
  actorId: number,
  postId: number,
  value: 1 | -1 | 0,
  activityUri: string | null,
): Promise<void> {
  // Votes on one post are counted one transaction at a time: without the
  // lock, two votes arriving together (PostgreSQL, READ COMMITTED) would
  // each recount without the other's row, and the count would lose one.
  await trx.selectFrom("posts").select("id").where("id", "=", postId).forUpdate().execute();
  if (value === 0) {
    await trx.deleteFrom("votes").where("actor_id", "=", actorId).where("post_id", "=", postId).execute();
  } else {
    await trx.insertInto("votes").values({ actor_id: actorId, post_id: postId, value, activity_uri: activityUri })
      .onConflict((oc) => oc.columns(["actor_id", "post_id"]).doUpdateSet({ value, activity_uri: activityUri }))
      .execute();
  }
  await trx.updateTable("posts").set({
    like_count: sql`(select count(*) from votes where post_id = ${postId} and value = 1)`,
    dislike_count: sql`(select count(*) from votes where post_id = ${postId} and value = -1)`,
  }).where("id", "=", postId).execute();
}

export function findVote(db: Db, actorId: number, postId: number) {
  return db.selectFrom("votes").selectAll()
    .where("actor_id", "=", actorId).where("post_id", "=", postId).executeTakeFirst();
}

/** Local posts and comments, for NodeInfo. */
export async function countLocalPosts(db: Db): Promise<{ posts: number; comments: number }> {
  const row = await db.selectFrom("posts")
    .select([
      sql<number>`count(*) filter (where parent_id is null)`.as("posts"),
      sql<number>`count(*) filter (where parent_id is not null)`.as("comments"),
    ])
    .where("local", "=", true).where("deleted_at", "is", null)
    .executeTakeFirstOrThrow();
  return { posts: Number(row.posts), comments: Number(row.comments) };
}

/** A post with the URIs that its ActivityPub form needs. */
export interface PostView extends Post {
  group_uri: string;
  group_followers_url: string | null;
  group_visibility: GroupVisibility;
  author_uri: string;
  author_username: string;
  author_host: string;
  author_name: string | null;
  parent_uri: string | null;
  thread_uri: string | null;
}

function viewQuery(db: Db) {
  return db.selectFrom("posts")
    .innerJoin("actors as g", "g.id", "posts.group_id")
    .innerJoin("actors as a", "a.id", "posts.author_id")
    .leftJoin("posts as parent", "parent.id", "posts.parent_id")
    .leftJoin("posts as thread", "thread.id", "posts.thread_id")
    .selectAll("posts")
    .select([
      "g.uri as group_uri",
      "g.followers_url as group_followers_url",
      "g.visibility as group_visibility",
      "a.uri as author_uri",
      "a.username as author_username",
      "a.host as author_host",
      "a.name as author_name",
      "parent.uri as parent_uri",
      "thread.uri as thread_uri",
    ]);
}

export function findPostView(db: Db, where: { id: number } | { uri: string }): Promise<PostView | undefined> {
  const q = viewQuery(db);
  return ("id" in where ? q.where("posts.id", "=", where.id) : q.where("posts.uri", "=", where.uri))
    .executeTakeFirst();
}

/**
 * A thread's posts with their URIs: the thread first (a remote reply may
 * claim an earlier date than its thread), then the replies in publication
 * order: all of them, or one page's (db/thread-pages.ts).
 */
export function listThreadPostViews(db: Db, threadId: number, page?: ThreadPageRange | null): Promise<PostView[]> {
  return viewQuery(db)
    .where(inThread(threadId, page))
    .orderBy(sql`posts.id = ${threadId}`, "desc").orderBy("posts.published_at").orderBy("posts.id")
    .execute();
}

/** The columns a web page shows of a post (see PostCard). */
const CARD_COLUMNS = [
  "id", "group_id", "author_id", "parent_id", "thread_id", "title", "content_html", "summary", "sensitive",
  "local", "published_at", "updated_at", "deleted_at", "like_count", "dislike_count", "removed_at",
  "removed_reason", "locked_at", "pinned_at", "review_state", "distinguished", "needs_source",
] as const;

/**
 * A post as a web page shows it: fewer columns than a PostView, because
 * decoding a row costs per column (on PGlite, most of a 300-reply thread
 * page's time went into the columns it never showed).
 */
export type PostCard =
  & Pick<Post, (typeof CARD_COLUMNS)[number]>
  & Pick<PostView, "author_uri" | "author_username" | "author_host" | "author_name">;

const CARD_DATES = ["published_at", "updated_at", "deleted_at", "removed_at", "locked_at", "pinned_at"] as const;

/**
 * A thread's posts for its page, the thread first, then the replies in
 * publication order; posts of authors an admin blocked instance-wide are
 * left out; all replies, or one page's (db/thread-pages.ts).  The rows come back as one JSON array: decoding one value is
 * several times cheaper than decoding 300 rows column by column on PGlite.
 */
export async function listThreadPostCards(
  db: Db,
  threadId: number,
  page?: ThreadPageRange | null,
): Promise<PostCard[]> {
  const cards = db.selectFrom("posts")
    .innerJoin("actors as a", "a.id", "posts.author_id")
    .select(CARD_COLUMNS.map((c) => `posts.${c}` as const))
    .select(["a.uri as author_uri", "a.username as author_username", "a.host as author_host", "a.name as author_name"])
    .where(inThread(threadId, page))
    .where("a.blocked_at", "is", null);
  const { rows } = await db.selectFrom(cards.as("t"))
    .select(sql<unknown>`json_agg(t order by t.id = ${threadId} desc, t.published_at, t.id)`.as("rows"))
    .executeTakeFirstOrThrow();
  const list = (typeof rows === "string" ? JSON.parse(rows) : rows ?? []) as Record<string, unknown>[];
  for (const card of list) {
    for (const key of CARD_DATES) if (card[key] != null) card[key] = new Date(card[key] as string);
  }
  return list as unknown as PostCard[];
}

/**
 * Threads of a group with their authors: on the first page the pinned ones
 * (newest pin first), then the others, most recently active first; `before`
 * (the last thread of a page) continues among the unpinned ones.  Two index
 * scans (posts_pinned_idx, posts_group_threads_idx), keyset only: ordering
 * everything by "pinned first" in one query sorted every thread of the group.
 */
export async function listThreadViews(
  db: Db,
  groupActorId: number,
  options: { before?: { at: Date; id: number }; limit?: number; withRemoved?: boolean; memberType?: MemberType } = {},
): Promise<PostView[]> {
  const limit = options.limit ?? 50;
  const threads = () => {
    let q = viewQuery(db)
      .where("posts.group_id", "=", groupActorId)
      .where("posts.parent_id", "is", null)
      .where("posts.deleted_at", "is", null)
      .where("posts.review_state", "=", "published");
    // Threads started by members showing this badge in the group (db/member-types.ts).
    if (options.memberType) q = q.where(sql<boolean>`${memberTypeIn("posts.author_id", "posts.group_id")} = ${options.memberType}`);
    // Removed threads are listed for moderators only.
    return options.withRemoved ? q : q.where("posts.removed_at", "is", null);
  };
  const pinned = options.before ? [] : await threads().where("posts.pinned_at", "is not", null)
    .orderBy("posts.pinned_at", "desc").orderBy("posts.id", "desc").limit(limit).execute();
  if (pinned.length >= limit) return pinned;
  let q = threads().where("posts.pinned_at", "is", null);
  if (options.before) {
    const { at, id } = options.before;
    q = q.where(sql<boolean>`(posts.last_activity_at, posts.id) < (${at}::timestamptz, ${id}::int)`);
  }
  const rest = await q.orderBy("posts.last_activity_at", "desc").orderBy("posts.id", "desc")
    .limit(limit - pinned.length).execute();
  return [...pinned, ...rest];
}

/** A group's pinned threads (its featured collection), newest pin first. */
export function listPinnedThreadViews(db: Db, groupActorId: number): Promise<PostView[]> {
  return viewQuery(db)
    .where("posts.group_id", "=", groupActorId)
    .where("posts.parent_id", "is", null)
    .where("posts.pinned_at", "is not", null)
    .where("posts.deleted_at", "is", null)
    .where("posts.removed_at", "is", null)
    .orderBy("posts.pinned_at", "desc").orderBy("posts.id", "desc")
    .execute();
}
