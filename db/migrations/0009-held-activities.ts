import { type Kysely, sql } from "kysely";

/**
 * The activity a remote member's held post came in (pre-moderation): a
 * local group passes it on, unchanged, when a moderator approves the post.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("held_activities")
    .addColumn("post_id", "integer", (c) => c.primaryKey().references("posts.id").onDelete("cascade"))
    .addColumn("json", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
