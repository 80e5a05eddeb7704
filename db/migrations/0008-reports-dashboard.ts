import { type Kysely, sql } from "kysely";

/**
 * The community-manager dashboard (db/dashboard.ts) counts a group's posts
 * by publication date and lists its unanswered threads oldest first; the
 * existing indexes order posts by activity, not by publication.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("posts_group_published_idx").on("posts")
    .columns(["group_id", "published_at"]).execute();
  await db.schema.createIndex("posts_group_unanswered_idx").on("posts")
    .columns(["group_id", "published_at"])
    .where(sql<boolean>`parent_id is null and reply_count = 0 and deleted_at is null`).execute();
  await db.schema.createIndex("reports_post_idx").on("reports").column("post_id").execute();
}
