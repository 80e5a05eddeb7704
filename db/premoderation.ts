/**
 * Pre-moderation: a group's rules (keyword, link count, link domain), the
 * posts held for review, and what the newcomer rule counts.
 */
import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import { jsonb } from "./json.ts";
import type { PremodRulesTable, ReviewState, Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

export type PremodRuleRow = Selectable<PremodRulesTable>;

export function listPremodRules(db: Db, groupId: number): Promise<PremodRuleRow[]> {
  return db.selectFrom("premod_rules").selectAll().where("group_id", "=", groupId).orderBy("id").execute();
}

export function addPremodRule(
  db: Db,
  rule: { group_id: number; kind: PremodRuleRow["kind"]; pattern: string; action: PremodRuleRow["action"] },
): Promise<PremodRuleRow> {
  return db.insertInto("premod_rules").values(rule).returningAll().executeTakeFirstOrThrow();
}

/** Returns whether the rule existed in that group. */
export async function deletePremodRule(db: Db, groupId: number, ruleId: number): Promise<boolean> {
  const rows = await db.deleteFrom("premod_rules").where("group_id", "=", groupId).where("id", "=", ruleId).execute();
  return rows.some((r) => Number(r.numDeletedRows) > 0);
}

/** How many of the author's posts in the group are published (for "hold the first N posts"). */
export async function countPublishedPosts(db: Db, groupActorId: number, authorId: number): Promise<number> {
  const row = await db.selectFrom("posts").select((eb) => eb.fn.countAll<number>().as("n"))
    .where("group_id", "=", groupActorId).where("author_id", "=", authorId)
    .where("review_state", "=", "published").where("deleted_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface HeldPost {
  id: number;
  uri: string;
  local: boolean;
  parent_id: number | null;
  thread_id: number | null;
  title: string | null;
  thread_title: string | null;
  content_html: string;
  summary: string | null;
  review_reason: string | null;
  published_at: Date;
  author_id: number;
  author_username: string;
  author_host: string;
  author_name: string | null;
}

/** A group's posts waiting for review, oldest first. */
export function listHeldPosts(db: Db, groupActorId: number, limit = 100): Promise<HeldPost[]> {
  return db.selectFrom("posts")
    .innerJoin("actors as a", "a.id", "posts.author_id")
    .leftJoin("posts as t", "t.id", "posts.thread_id")
    .select([
      "posts.id", "posts.uri", "posts.local", "posts.parent_id", "posts.thread_id", "posts.title",
      "t.title as thread_title", "posts.content_html", "posts.summary", "posts.review_reason",
      "posts.published_at", "posts.author_id", "a.username as author_username", "a.host as author_host",
      "a.name as author_name",
    ])
    .where("posts.group_id", "=", groupActorId).where("posts.review_state", "=", "held")
    .orderBy("posts.id").limit(limit).execute();
}

export async function countHeldPosts(db: Db, groupActorId: number): Promise<number> {
  const row = await db.selectFrom("posts").select((eb) => eb.fn.countAll<number>().as("n"))
    .where("group_id", "=", groupActorId).where("review_state", "=", "held").executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Moves a held post to `state`; returns the post if it was held (a second
 * moderator deciding the same post at the same time changes nothing).
 */
export async function decideHeldPost(
  trx: Transaction<Schema>,
  postId: number,
  state: Exclude<ReviewState, "held">,
  reason: string | null,
) {
  const post = await trx.updateTable("posts").set({ review_state: state, review_reason: reason })
    .where("id", "=", postId).where("review_state", "=", "held")
    .returningAll().executeTakeFirst();
  if (post && state === "published" && post.thread_id != null) {
    await trx.updateTable("posts")
      .set({ reply_count: sql`reply_count + 1`, last_activity_at: sql`greatest(last_activity_at, now())` })
      .where("id", "=", post.thread_id).execute();
  }
  if (post && state === "rejected") await trx.deleteFrom("held_activities").where("post_id", "=", postId).execute();
  return post;
}

export async function saveHeldActivity(db: Db, postId: number, json: unknown): Promise<void> {
  await db.insertInto("held_activities").values({ post_id: postId, json: jsonb(json) })
    .onConflict((oc) => oc.column("post_id").doNothing()).execute();
}

export async function findHeldActivity(db: Db, postId: number): Promise<unknown> {
  const row = await db.selectFrom("held_activities").select("json").where("post_id", "=", postId).executeTakeFirst();
  return row?.json;
}

/** Tells a local group's local moderators that a post awaits review. */
export async function notifyPostHeld(db: Db, groupActorId: number, postId: number): Promise<void> {
  await db.insertInto("notifications")
    .columns(["account_id", "kind", "actor_id", "post_id"])
    .expression((eb) =>
      eb.selectFrom("group_staff as s")
        .innerJoin("actors as a", "a.id", "s.actor_id")
        .select(["a.account_id", eb.val("post_held").as("kind"), eb.val(groupActorId).as("actor_id"), eb.val(postId).as("post_id")])
        .where("s.group_actor_id", "=", groupActorId)
        .where("s.role", "in", ["owner", "moderator"])
        .where("a.local", "=", true).where("a.account_id", "is not", null)
    )
    .execute();
}

/** Tells a local author that a moderator approved or rejected their held post. */
export async function notifyReviewDecision(db: Db, postId: number, approved: boolean): Promise<void> {
  await db.insertInto("notifications")
    .columns(["account_id", "kind", "actor_id", "post_id"])
    .expression((eb) =>
      eb.selectFrom("posts as p")
        .innerJoin("actors as a", "a.id", "p.author_id")
        .select([
          "a.account_id",
          eb.val(approved ? "post_approved" : "post_rejected").as("kind"),
          "p.group_id",
          "p.id",
        ])
        .where("p.id", "=", postId)
        .where("a.local", "=", true).where("a.account_id", "is not", null)
    )
    .execute();
}
