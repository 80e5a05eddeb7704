import { type Kysely, sql } from "kysely";

/**
 * The member web pages: browser sessions (only the SHA-256 of the session id
 * is stored, and never an IP address), the member type shown as a badge,
 * notifications, full-text search of groups, and indexes for the thread
 * list's "new" and "top" orders.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const now = sql`now()`;
  await db.schema.alterTable("accounts")
    .addColumn("member_type", "text", (c) => c.check(sql`member_type in ('patient', 'caregiver', 'supporter')`))
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id_hash", "text", (c) => c.primaryKey())
    .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sessions_account_idx").on("sessions").column("account_id").execute();

  await db.schema
    .createTable("notifications")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('reply', 'join_accepted', 'join_rejected')`))
    // Who replied, or which group decided.
    .addColumn("actor_id", "integer", (c) => c.references("actors.id").onDelete("cascade"))
    .addColumn("post_id", "integer", (c) => c.references("posts.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("read_at", "timestamptz")
    .execute();
  await db.schema.createIndex("notifications_account_idx").on("notifications")
    .columns(["account_id", "id desc"]).execute();

  // Filled by the database itself, so that every path that stores a reply
  // (the web pages, the API, federation) or accepts a join request notifies.
  await sql`
    create function kindred_notify_reply() returns trigger language plpgsql as $$
    begin
      if new.parent_id is not null then
        insert into notifications (account_id, kind, actor_id, post_id)
        select a.account_id, 'reply', new.author_id, new.id
        from posts p join actors a on a.id = p.author_id
        where p.id = new.parent_id and a.local and a.account_id is not null
          and p.author_id <> new.author_id;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger posts_notify_reply after insert on posts
    for each row execute function kindred_notify_reply()`.execute(db);
  await sql`
    create function kindred_notify_join() returns trigger language plpgsql as $$
    begin
      if old.state = 'pending' and new.state = 'accepted' then
        insert into notifications (account_id, kind, actor_id)
        select a.account_id, 'join_accepted', new.followee_id
        from actors a where a.id = new.follower_id and a.local and a.account_id is not null;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger follows_notify_join after update of state on follows
    for each row execute function kindred_notify_join()`.execute(db);

  // Same expression as db/web-groups.ts searches with.
  await sql`create index groups_search_idx on groups
    using gin (to_tsvector('simple', name || ' ' || slug || ' ' || summary_source))`.execute(db);
  await sql`create index posts_group_new_idx on posts (group_id, published_at desc, id desc)
    where parent_id is null`.execute(db);
  await sql`create index posts_group_top_idx on posts (group_id, (like_count - dislike_count) desc, id desc)
    where parent_id is null`.execute(db);
}
