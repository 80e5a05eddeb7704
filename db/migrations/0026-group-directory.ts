import { type Kysely, sql } from "kysely";

/**
 * Cross-instance discovery of support groups (issue 9, item 1):
 * - on `groups`, condition tags (`[{ code, label }]`, codes from ICD-10 and
 *   Orphanet), languages (BCP 47 tags) and whether a public group may be
 *   listed in other instances' directories;
 * - `directory_peers`: each server whose directory we fetch, and how the
 *   last fetch went;
 * - `directory_entries`: the public groups those servers listed;
 * - `directory_lease`: one row, so that one worker at a time refreshes;
 * - `remote_group_tags`: the condition tags a remote group's actor carries
 *   (as hashtags), kept beside the actor rather than on its hot row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("groups")
    .addColumn("condition_tags", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema.alterTable("groups")
    .addColumn("languages", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema.alterTable("groups")
    .addColumn("listed_elsewhere", "boolean", (c) => c.notNull().defaultTo(true))
    .execute();
  await db.schema.createTable("directory_peers")
    .addColumn("host", "text", (c) => c.primaryKey())
    .addColumn("origin", "text", (c) => c.notNull())
    .addColumn("last_attempt_at", "timestamptz")
    .addColumn("last_success_at", "timestamptz")
    .addColumn("last_error", "text")
    .execute();
  await db.schema.createTable("directory_entries")
    .addColumn("actor_uri", "text", (c) => c.primaryKey())
    .addColumn("peer_host", "text", (c) => c.notNull().references("directory_peers.host").onDelete("cascade"))
    .addColumn("handle", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("summary", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("condition_tags", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("languages", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("member_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("posts_30d", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_activity_at", "timestamptz")
    .addColumn("join_policy", "text", (c) => c.notNull().defaultTo("open"))
    .addColumn("sensitive", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("fetched_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("directory_entries_peer_idx").on("directory_entries").columns(["peer_host", "name"]).execute();
  await db.schema.createTable("directory_lease")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("holder", "text")
    .addColumn("until", "timestamptz")
    .addColumn("last_run_at", "timestamptz")
    .execute();
  await sql`insert into directory_lease (id) values (1)`.execute(db);
  await db.schema.createTable("remote_group_tags")
    .addColumn("actor_id", "integer", (c) => c.primaryKey().references("actors.id").onDelete("cascade"))
    .addColumn("condition_tags", "jsonb", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("remote_group_tags").execute();
  await db.schema.dropTable("directory_lease").execute();
  await db.schema.dropTable("directory_entries").execute();
  await db.schema.dropTable("directory_peers").execute();
  await db.schema.alterTable("groups").dropColumn("listed_elsewhere").execute();
  await db.schema.alterTable("groups").dropColumn("languages").execute();
  await db.schema.alterTable("groups").dropColumn("condition_tags").execute();
}
