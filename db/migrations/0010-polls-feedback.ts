import { type Kysely, sql } from "kysely";

/**
 * Polls (a thread whose object is a `Question`) and feedback from members
 * to a local group's managers (issue 5, item 9).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const now = sql`now()`;

  // One row per poll thread; counts of a remote poll are its origin's.
  await db.schema
    .createTable("polls")
    .addColumn("post_id", "integer", (c) => c.primaryKey().references("posts.id").onDelete("cascade"))
    .addColumn("multiple", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("end_time", "timestamptz")
    .addColumn("voters_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("poll_options")
    .addColumn("post_id", "integer", (c) => c.notNull().references("polls.post_id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("votes_count", "integer", (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint("poll_options_pk", ["post_id", "position"])
    .execute();

  // Who chose what: never shown, never served.  For a local poll, every
  // voter; for a remote poll, our own members (what they sent).
  await db.schema
    .createTable("poll_votes")
    .addColumn("post_id", "integer", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("actor_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("activity_uri", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("poll_votes_pk", ["post_id", "position", "actor_id"])
    .addForeignKeyConstraint("poll_votes_option_fk", ["post_id", "position"], "poll_options", ["post_id", "position"], (c) =>
      c.onDelete("cascade"))
    .execute();
  await db.schema.createIndex("poll_votes_actor_idx").on("poll_votes").columns(["post_id", "actor_id"]).execute();

  // Private messages from members to a local group's moderators.
  await db.schema
    .createTable("feedback")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("group_actor_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("author_actor_id", "integer", (c) => c.references("actors.id").onDelete("set null"))
    .addColumn("category", "text", (c) =>
      c.notNull().check(sql`category in ('suggestion', 'problem', 'praise', 'other')`))
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("handled_at", "timestamptz")
    .addColumn("handled_by", "integer", (c) => c.references("actors.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("feedback_group_idx").on("feedback").columns(["group_actor_id", "id desc"]).execute();

  await sql`alter table notifications add column feedback_id integer references feedback (id) on delete cascade`
    .execute(db);
  // Add 'feedback' to whatever kinds the check allows by now (other
  // migrations add kinds too): rewrite the existing constraint's list.
  await sql`
    do $$
    declare def text;
    begin
      select pg_get_constraintdef(oid) into def from pg_constraint
        where conname = 'notifications_kind_check' and conrelid = 'notifications'::regclass;
      alter table notifications drop constraint notifications_kind_check;
      if position('''feedback''' in def) = 0 then
        def := replace(def, 'ARRAY[', 'ARRAY[''feedback''::text, ');
      end if;
      execute 'alter table notifications add constraint notifications_kind_check ' || def;
    end $$`.execute(db);
}
