/**
 * The moderation log: every action a moderator or admin takes, readable by
 * the group's members (with the moderator's role, never their name), and the
 * statement of reasons sent to the member it affects.
 */
import type { Kysely, Transaction } from "kysely";
import type { ModerationLogTable, Schema } from "./schema.ts";
import type { Insertable, Selectable } from "kysely";

type Db = Kysely<Schema> | Transaction<Schema>;

export type ModerationLogEntry = Selectable<ModerationLogTable>;

/** Actions that tell a member nothing about their own conduct: logged, but no statement of reasons. */
const NOT_ABOUT_CONDUCT = new Set(["pin_post", "unpin_post", "pin_resource", "unpin_resource"]);

/**
 * Records an action.  When it affects a local member (`target_actor_id`, or
 * the author of `post_id`), that member is notified with the entry, which is
 * their statement of reasons (unless `notify` is false: the caller tells
 * them otherwise).  Returns the entry's id.
 */
export async function logModeration(
  db: Db,
  entry: Insertable<ModerationLogTable>,
  options: { notify?: boolean } = {},
): Promise<number> {
  const { id } = await db.insertInto("moderation_log").values(entry).returning("id").executeTakeFirstOrThrow();
  if (options.notify === false || NOT_ABOUT_CONDUCT.has(entry.action)) return id;
  let affected = entry.target_actor_id ?? null;
  if (affected == null && entry.post_id != null) {
    const post = await db.selectFrom("posts").select("author_id").where("id", "=", entry.post_id).executeTakeFirst();
    affected = post?.author_id ?? null;
  }
  if (affected != null && affected !== entry.moderator_actor_id) {
    const member = await db.selectFrom("actors").select("account_id")
      .where("id", "=", affected).where("local", "=", true).where("account_id", "is not", null)
      .executeTakeFirst();
    if (member?.account_id != null) {
      await db.insertInto("notifications").values({
        account_id: member.account_id,
        kind: "moderation",
        actor_id: entry.group_actor_id ?? null,
        post_id: entry.post_id ?? null,
        log_id: id,
      }).execute();
    }
  }
  return id;
}

export interface ModerationLogView extends ModerationLogEntry {
  target_username: string | null;
  target_host: string | null;
  post_title: string | null;
  post_uri: string | null;
}

/** A group's log, newest first (keyset pagination on id). */
export function listModerationLog(
  db: Db,
  groupActorId: number,
  options: { beforeId?: number; limit?: number } = {},
): Promise<ModerationLogView[]> {
  let q = db.selectFrom("moderation_log as l")
    .leftJoin("actors as t", "t.id", "l.target_actor_id")
    .leftJoin("posts as p", "p.id", "l.post_id")
    .selectAll("l")
    .select(["t.username as target_username", "t.host as target_host", "p.title as post_title", "p.uri as post_uri"])
    .where("l.group_actor_id", "=", groupActorId);
  if (options.beforeId != null) q = q.where("l.id", "<", options.beforeId);
  return q.orderBy("l.id", "desc").limit(options.limit ?? 50).execute();
}

export function findModerationLogEntry(db: Db, id: number): Promise<ModerationLogEntry | undefined> {
  return db.selectFrom("moderation_log").selectAll().where("id", "=", id).executeTakeFirst();
}
