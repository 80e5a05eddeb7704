import { type Kysely, sql } from "kysely";

/** Actors (local and remote), follows, posts, votes, activities, API tokens. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable("actors")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("uri", "text", (c) => c.notNull().unique())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("local", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("account_id", "integer", (c) => c.unique().references("accounts.id").onDelete("cascade"))
    .addColumn("group_id", "integer", (c) => c.unique().references("groups.id").onDelete("cascade"))
    .addColumn("username", "text", (c) => c.notNull())
    .addColumn("host", "text", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("summary_html", "text")
    .addColumn("url", "text")
    .addColumn("icon_url", "text")
    .addColumn("inbox_url", "text")
    .addColumn("shared_inbox_url", "text")
    .addColumn("followers_url", "text")
    .addColumn("outbox_url", "text")
    .addColumn("featured_url", "text")
    .addColumn("moderators_url", "text")
    .addColumn("manually_approves_followers", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("posting_restricted_to_mods", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("fetched_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("actors_handle_idx").on("actors").columns(["username", "host"]).execute();

  await db.schema
    .createTable("follows")
    .addColumn("follower_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("followee_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('pending', 'accepted')`))
    .addColumn("activity_uri", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("follows_pk", ["follower_id", "followee_id"])
    .execute();
  await db.schema.createIndex("follows_followee_idx").on("follows")
    .columns(["followee_id", "state", "follower_id"]).execute();

  await db.schema
    .createTable("posts")
    // By default, not always: a local post's URI contains its id, so the id is
    // drawn from the sequence before the insert.
    .addColumn("id", "integer", (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn("uri", "text", (c) => c.notNull().unique())
    .addColumn("group_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("author_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("parent_id", "integer", (c) => c.references("posts.id").onDelete("cascade"))
    .addColumn("thread_id", "integer", (c) => c.references("posts.id").onDelete("cascade"))
    .addColumn("depth", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("title", "text")
    .addColumn("content_html", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("source", "text")
    .addColumn("summary", "text")
    .addColumn("sensitive", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("url", "text")
    .addColumn("context_uri", "text")
    .addColumn("local", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("published_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz")
    .addColumn("deleted_at", "timestamptz")
    .addColumn("reply_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("like_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("dislike_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_activity_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("posts_group_threads_idx").on("posts")
    .columns(["group_id", "last_activity_at desc", "id desc"])
    .where(sql.ref("parent_id"), "is", null).execute();
  await db.schema.createIndex("posts_thread_idx").on("posts")
    .columns(["thread_id", "published_at", "id"]).execute();
  await db.schema.createIndex("posts_parent_idx").on("posts").column("parent_id").execute();
  await db.schema.createIndex("posts_author_idx").on("posts").column("author_id").execute();

  await db.schema
    .createTable("votes")
    .addColumn("actor_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("post_id", "integer", (c) => c.notNull().references("posts.id").onDelete("cascade"))
    .addColumn("value", "smallint", (c) => c.notNull().check(sql`value in (-1, 1)`))
    .addColumn("activity_uri", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("votes_pk", ["actor_id", "post_id"])
    .execute();
  await db.schema.createIndex("votes_post_idx").on("votes").column("post_id").execute();

  // Activities local actors sent, served at their ids (peers re-fetch an
  // activity whose origin differs from the server that forwarded it).  A
  // group's rows are its outbox.
  await db.schema
    .createTable("activities")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("uri", "text", (c) => c.notNull().unique())
    .addColumn("actor_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("json", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("activities_actor_idx").on("activities")
    .columns(["actor_id", "id desc"]).execute();

  await db.schema
    .createTable("api_tokens")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("last_used_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
}
