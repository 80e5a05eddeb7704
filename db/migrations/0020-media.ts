import { type Kysely, sql } from "kysely";

/**
 * Images attached to posts (issue 6, item 5).  A local upload keeps its
 * re-encoded bytes here (so every web process serves it) under a random,
 * unguessable id; an image attached to a remote post is only its address
 * and alt text (never downloaded).  Deleting the post deletes its images.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("media")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("post_id", "integer", (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("owner_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("width", "integer")
    .addColumn("height", "integer")
    .addColumn("alt", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("data", "bytea")
    .addColumn("remote_url", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("media_local_or_remote", sql`(data is null) <> (remote_url is null)`)
    .addCheckConstraint("media_local_type", sql`data is null or content_type in ('image/jpeg', 'image/png')`)
    .execute();
  await db.schema.createIndex("media_post_idx").on("media").columns(["post_id", "position"]).execute();
  await db.schema.createIndex("media_owner_idx").on("media").columns(["owner_id"]).execute();
  // A deleted post is a tombstone with its content erased, whatever deleted
  // it (its author, account deletion, a Delete from its server): so are its images.
  await sql`
    create function kindred_media_of_deleted_post() returns trigger language plpgsql as $$
    begin
      delete from media where post_id = new.id;
      return new;
    end $$`.execute(db);
  await sql`create trigger media_of_deleted_post after update of deleted_at on posts
    for each row when (new.deleted_at is not null and old.deleted_at is null)
    execute function kindred_media_of_deleted_post()`.execute(db);
}
