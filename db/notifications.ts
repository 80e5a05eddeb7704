/** A member's notifications (rows are written by triggers, see migration 0003). */
import { type Kysely, sql } from "kysely";
import type { NotificationKind, ReportReason, Schema } from "./schema.ts";

type Db = Kysely<Schema>;

export interface NotificationView {
  id: number;
  kind: NotificationKind;
  created_at: Date;
  read_at: Date | null;
  actor_id: number | null;
  actor_name: string | null;
  actor_username: string | null;
  actor_host: string | null;
  actor_local: boolean | null;
  actor_group_slug: string | null;
  post_id: number | null;
  post_uri: string | null;
  post_local: boolean | null;
  post_deleted: boolean | null;
  thread_title: string | null;
  /** The group of the post, to hide what the member can no longer read (src/group-access.ts#hideUnreadable). */
  post_group_id: number | null;
  /** Why a moderator rejected the post (post_rejected). */
  post_review_reason: string | null;
  /** "moderation": the log entry that states the reasons. */
  log_action: string | null;
  log_reason: string | null;
  log_role: string | null;
  /** "report": what it is about (never who sent it). */
  report_reason: ReportReason | null;
  report_priority: "normal" | "high" | null;
}

/** Newest first. */
export function listNotifications(db: Db, accountId: number, limit = 50): Promise<NotificationView[]> {
  return viewQuery(db).where("n.account_id", "=", accountId).orderBy("n.id", "desc").limit(limit).execute();
}

/** A member's notifications `ids` (for an email), oldest first. */
export function listNotificationsByIds(db: Db, accountId: number, ids: number[]): Promise<NotificationView[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return viewQuery(db).where("n.account_id", "=", accountId).where("n.id", "in", ids).orderBy("n.id").execute();
}

function viewQuery(db: Db) {
  return db.selectFrom("notifications as n")
    .leftJoin("actors as a", "a.id", "n.actor_id")
    .leftJoin("groups as g", "g.id", "a.group_id")
    .leftJoin("posts as p", "p.id", "n.post_id")
    .leftJoin("posts as t", "t.id", "p.thread_id")
    .leftJoin("moderation_log as l", "l.id", "n.log_id")
    .leftJoin("reports as r", "r.id", "n.report_id")
    .select([
      "n.id", "n.kind", "n.created_at", "n.read_at", "n.actor_id",
      "a.name as actor_name", "a.username as actor_username", "a.host as actor_host", "a.local as actor_local",
      "g.slug as actor_group_slug",
      "p.id as post_id", "p.uri as post_uri", "p.group_id as post_group_id", "p.local as post_local", "p.review_reason as post_review_reason",
      sql<boolean>`p.deleted_at is not null`.as("post_deleted"),
      sql<string | null>`coalesce(t.title, p.title)`.as("thread_title"),
      "l.action as log_action", "l.reason as log_reason", "l.moderator_role as log_role",
      "r.reason as report_reason", "r.priority as report_priority",
    ]);
}

export async function countUnread(db: Db, accountId: number): Promise<number> {
  const row = await db.selectFrom("notifications").select(sql<number>`count(*)`.as("n"))
    .where("account_id", "=", accountId).where("read_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Marks the given notifications of this member read (others' ids change nothing). */
export async function markRead(db: Db, accountId: number, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable("notifications").set({ read_at: new Date() })
    .where("account_id", "=", accountId).where("id", "in", ids).where("read_at", "is", null).execute();
}

export async function markAllRead(db: Db, accountId: number): Promise<void> {
  await db.updateTable("notifications").set({ read_at: new Date() })
    .where("account_id", "=", accountId).where("read_at", "is", null).execute();
}

/**
 * Tells a local member that a group declined their request to join.  (An
 * accepted request notifies through a trigger; a declined one deletes the
 * follow, which cannot be told apart from a member cancelling it.)
 */
export async function notifyJoinRejected(db: Db, followerActorId: number, groupActorId: number): Promise<void> {
  await db.insertInto("notifications")
    .columns(["account_id", "kind", "actor_id"])
    .expression((eb) =>
      eb.selectFrom("actors")
        .select([
          "actors.account_id",
          eb.val("join_rejected").as("kind"),
          eb.val(groupActorId).as("actor_id"),
        ])
        .where("actors.id", "=", followerActorId)
        .where("actors.local", "=", true)
        .where("actors.account_id", "is not", null)
    )
    .execute();
}

/**
 * Tells the local members among `actorUris` that `postId` mentions them:
 * not its author, and not a member already told of it as a reply.
 */
export async function notifyMentions(db: Db, postId: number, authorId: number, actorUris: string[]): Promise<void> {
  if (actorUris.length === 0) return;
  await db.insertInto("notifications")
    .columns(["account_id", "kind", "actor_id", "post_id"])
    .expression((eb) =>
      eb.selectFrom("actors")
        .select(["actors.account_id", eb.val("mention").as("kind"), eb.val(authorId).as("actor_id"), eb.val(postId).as("post_id")])
        .where("actors.uri", "in", [...new Set(actorUris)].slice(0, 50))
        .where("actors.local", "=", true)
        .where("actors.account_id", "is not", null)
        .where("actors.id", "<>", authorId)
        .where((w) =>
          w.not(w.exists(
            w.selectFrom("notifications as n").select("n.id")
              .whereRef("n.account_id", "=", "actors.account_id").where("n.post_id", "=", postId),
          ))
        )
    )
    .execute();
}
