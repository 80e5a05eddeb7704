import { type Kysely, sql } from "kysely";

/**
 * Pinned resources of a group (issue 5, misinformation tools): links to
 * reliable information chosen by its moderators, shown on the group page.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("group_resources")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("group_id", "integer", (c) => c.notNull().references("groups.id").onDelete("cascade"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("group_resources_group_idx").on("group_resources").columns(["group_id", "position"]).execute();
}
