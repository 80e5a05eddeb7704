/**
 * Crisis support: the instance's crisis resources (helplines, text lines,
 * emergency advice; edited by admins), and the high-priority report raised
 * when a post matches crisis language.
 */
import type { Kysely, Selectable, Transaction } from "kysely";
import { insertReport } from "./reports.ts";
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
 * priority; the group's moderators (or, failing them, the admins) are
 * notified as for any report.  Raised once per post.
 */
export async function raiseCrisisReport(
  db: Kysely<Schema>,
  report: { groupActorId: number; postId: number; authorId: number; comment: string },
): Promise<number | undefined> {
  const existing = await db.selectFrom("reports").select("id")
    .where("post_id", "=", report.postId).where("reporter_actor_id", "is", null).where("reason", "=", "self_harm")
    .executeTakeFirst();
  if (existing) return undefined;
  const { report: stored } = await insertReport(db, {
    group_actor_id: report.groupActorId,
    post_id: report.postId,
    target_actor_id: report.authorId,
    reporter_actor_id: null,
    reason: "self_harm",
    comment: report.comment,
    priority: "high",
  });
  return stored.id;
}
