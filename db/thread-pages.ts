/**
 * A long thread's replies in pages (keyset pagination, never OFFSET).
 *
 * Replies are in the order the thread page shows them, `(published_at, id)`,
 * over the index `posts_thread_idx`.  Page boundaries are fixed: page k holds
 * the visible replies k·size … k·size + size − 1, so a reply's permalink
 * always lands on the same page (a count of the replies before it says
 * which; the page's first reply is found by walking back at most one page).
 */
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import type { Kysely, Transaction } from "kysely";
import type { Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

/** Replies per page: a 300-reply thread is still one page. */
export const THREAD_PAGE_SIZE = 400;

/** Who reads: held and rejected replies are counted for their authors and the moderators only. */
export interface ThreadReader {
  actorId?: number;
  moderator: boolean;
}

/** Which page: the first, the one after or before a reply, or the one holding a reply. */
export type ThreadPageAt = { after: number } | { before: number } | { holding: number } | undefined;

/** A page's replies, from `firstId` to `lastId` (inclusive), and where it stands. */
export interface ThreadPageRange {
  firstId: number;
  lastId: number;
  /** 1-based. */
  page: number;
  pages: number;
  /** The reply before the page's first, and after its last, when there are such. */
  previousId?: number;
  nextId?: number;
}

type Eb = ExpressionBuilder<Schema & { a: Schema["actors"] }, "posts" | "a">;

function visible(eb: Eb, threadId: number, reader: ThreadReader): Expression<SqlBool> {
  const review = reader.moderator ? [] : [
    eb.or([
      eb("posts.review_state", "=", "published"),
      ...(reader.actorId == null ? [] : [eb("posts.author_id", "=", reader.actorId)]),
    ]),
  ];
  return eb.and([eb("posts.thread_id", "=", threadId), eb("a.blocked_at", "is", null), ...review]);
}

function replies(db: Db, threadId: number, reader: ThreadReader) {
  return db.selectFrom("posts").innerJoin("actors as a", "a.id", "posts.author_id")
    .where((eb) => visible(eb as Eb, threadId, reader));
}

// A reply's place, read in the database: a timestamp that went through a
// JavaScript Date would lose its microseconds.
const key = (id: number) => sql`(select k.published_at, k.id from posts as k where k.id = ${id})`;
const postKey = sql`(posts.published_at, posts.id)`;

async function countBefore(db: Db, threadId: number, reader: ThreadReader, id: number): Promise<number> {
  const row = await replies(db, threadId, reader).where(sql<SqlBool>`${postKey} < ${key(id)}`)
    .select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The replies of one page of a thread, as a range of `(published_at, id)`;
 * undefined when the thread has no visible reply (or the reply asked for is
 * not one of them).
 */
export async function threadPageRange(
  db: Db,
  threadId: number,
  reader: ThreadReader,
  at: ThreadPageAt,
  size = THREAD_PAGE_SIZE,
): Promise<ThreadPageRange | undefined> {
  const anchorId = at && ("after" in at ? at.after : "before" in at ? at.before : at.holding);
  if (anchorId != null) {
    const row = await replies(db, threadId, reader).where("posts.id", "=", anchorId).select("posts.id")
      .executeTakeFirst();
    if (!row) return undefined;
  }
  let ids: number[];
  if (anchorId != null && at && "before" in at) {
    ids = (await replies(db, threadId, reader).where(sql<SqlBool>`${postKey} < ${key(anchorId)}`)
      .select("posts.id").orderBy("posts.published_at", "desc").orderBy("posts.id", "desc").limit(size).execute())
      .map((r) => r.id).reverse();
  } else {
    let from = anchorId;
    let inclusive = false;
    if (anchorId != null && at && "holding" in at) {
      // Walk back to the first reply of the page that holds this one.
      const within = (await countBefore(db, threadId, reader, anchorId)) % size;
      inclusive = true;
      if (within > 0) {
        const back = await replies(db, threadId, reader).where(sql<SqlBool>`${postKey} < ${key(anchorId)}`)
          .select("posts.id").orderBy("posts.published_at", "desc").orderBy("posts.id", "desc").limit(within)
          .execute();
        from = back.at(-1)!.id;
      }
    }
    let q = replies(db, threadId, reader).select("posts.id");
    if (from != null) q = q.where(sql<SqlBool>`${postKey} ${inclusive ? sql`>=` : sql`>`} ${key(from)}`);
    ids = (await q.orderBy("posts.published_at").orderBy("posts.id").limit(size).execute()).map((r) => r.id);
  }
  if (ids.length === 0) return undefined;
  const firstId = ids[0];
  const lastId = ids.at(-1)!;
  const before = await countBefore(db, threadId, reader, firstId);
  const total = Number((await replies(db, threadId, reader).select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow()).n);
  const page = Math.floor(before / size) + 1;
  return {
    firstId,
    lastId,
    page,
    pages: Math.max(page, Math.ceil(total / size)),
    previousId: before > 0 ? firstId : undefined,
    nextId: before + ids.length < total ? lastId : undefined,
  };
}

/** Whether all of a thread's replies fit on one page (reads at most a page and one). */
export async function fitsOnePage(db: Db, threadId: number, size = THREAD_PAGE_SIZE): Promise<boolean> {
  const rows = await db.selectFrom("posts").select("id").where("thread_id", "=", threadId).limit(size + 1).execute();
  return rows.length <= size;
}

/**
 * The condition on `posts` for a thread's root and its replies: all of them
 * (`range` undefined), those of one page, or none (`null`).
 */
export function inThread(threadId: number, range: ThreadPageRange | null | undefined) {
  // deno-lint-ignore no-explicit-any
  return (eb: ExpressionBuilder<any, "posts">): Expression<SqlBool> =>
    range === undefined
      ? eb.or([eb("posts.id", "=", threadId), eb("posts.thread_id", "=", threadId)])
      : range
      ? eb.or([
        eb("posts.id", "=", threadId),
        eb.and([
          eb("posts.thread_id", "=", threadId),
          sql<SqlBool>`${postKey} >= ${key(range.firstId)}`,
          sql<SqlBool>`${postKey} <= ${key(range.lastId)}`,
        ]),
      ])
      : eb("posts.id", "=", threadId);
}
