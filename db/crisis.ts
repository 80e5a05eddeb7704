/**
 * Crisis support: the instance's crisis resources (helplines, text lines,
 * emergency advice; edited by admins), and the high-priority report raised
 * when a post matches crisis language.
 */
import type { Kysely, Selectable, Transaction } from "kysely";
import type { CrisisResourcesTable, Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

export type CrisisResource = Selectable<CrisisResourcesTable>;

/** Resources in `position` order; those of the given language first. */
export function listCrisisResources(db: Db): Promise<CrisisResource[]> {
  return db.selectFrom("crisis_resources").selectAll().orderBy("position").orderBy("id").execute();
}

export function addCrisisResource(
  db: Db,
  resource: { language: string; name: string; contact: string; description: string; position: number },
): Promise<CrisisResource> {
  return db.insertInto("crisis_resources").values(resource).returningAll().executeTakeFirstOrThrow();
}

export async function deleteCrisisResource(db: Db, id: number): Promise<boolean> {
  const rows = await db.deleteFrom("crisis_resources").where("id", "=", id).execute();
  return rows.some((r) => Number(r.numDeletedRows) > 0);
}

/**
 * A report raised by Kindred itself (no reporter) about a post, at high
 * priority, and a notification to each local moderator of the group.
 * Raised once per post.
 */
export async function raiseCrisisReport(
  db: Kysely<Schema>,
  report: { groupActorId: number; postId: number; authorId: number; comment: string },
): Promise<number | undefined> {
  return await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom("reports").select("id")
      .where("post_id", "=", report.postId).where("reporter_actor_id", "is", null).where("reason", "=", "self_harm")
      .executeTakeFirst();
    if (existing) return undefined;
    const { id } = await trx.insertInto("reports").values({
      group_actor_id: report.groupActorId,
      post_id: report.postId,
      target_actor_id: report.authorId,
      reporter_actor_id: null,
      reason: "self_harm",
      comment: report.comment,
      priority: "high",
    }).returning("id").executeTakeFirstOrThrow();
    await trx.insertInto("notifications")
      .columns(["account_id", "kind", "actor_id", "post_id", "report_id"])
      .expression((eb) =>
        eb.selectFrom("group_staff as s")
          .innerJoin("actors as a", "a.id", "s.actor_id")
          .select([
            "a.account_id",
            eb.val("report").as("kind"),
            eb.val(report.groupActorId).as("actor_id"),
            eb.val(report.postId).as("post_id"),
            eb.val(id).as("report_id"),
          ])
          .where("s.group_actor_id", "=", report.groupActorId)
          .where("s.role", "in", ["owner", "moderator"])
          .where("a.local", "=", true).where("a.account_id", "is not", null)
      )
      .execute();
    return id;
  });
}
