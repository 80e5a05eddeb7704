import { type Kysely, sql } from "kysely";

/**
 * Notifications by email (issue 9, item 3): each member's choice (off by
 * default), and which notifications were emailed, so none is sent twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("email_settings")
    .addColumn("account_id", "integer", (c) => c.primaryKey().references("accounts.id").onDelete("cascade"))
    .addColumn("frequency", "text", (c) =>
      c.notNull().defaultTo("off").check(sql`frequency in ('off', 'immediate', 'daily', 'weekly')`))
    .addColumn("email_replies", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("email_membership", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("email_moderation", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("email_staff", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("show_details", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("unsubscribe_token", "text", (c) => c.notNull().unique())
    // When the frequency last changed: a digest covers no time before it.
    .addColumn("since", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_sent_at", "timestamptz")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz")
    .addColumn("last_error", "text")
    // A worker's claim on the member while it sends (several workers, one database).
    .addColumn("lease_until", "timestamptz")
    .execute();
  await sql`create index email_settings_on_idx on email_settings (frequency) where frequency <> 'off'`.execute(db);
  await sql`alter table notifications add column emailed_at timestamptz`.execute(db);
  // The job's question: a member's unread notifications not yet emailed.
  await sql`create index notifications_unemailed_idx on notifications (account_id, id)
    where emailed_at is null and read_at is null`.execute(db);

  // A gap the emails made plain: moderators were never told of a request to
  // join their group.  Kind 'join_request', written by the database on every
  // path that stores one (the web, the API, a remote Follow), to the local
  // owner and moderators of a local group.
  await sql`
    do $$
    declare def text;
    begin
      select pg_get_constraintdef(oid) into def from pg_constraint
        where conname = 'notifications_kind_check' and conrelid = 'notifications'::regclass;
      alter table notifications drop constraint notifications_kind_check;
      if position('''join_request''' in def) = 0 then
        def := replace(def, 'ARRAY[', 'ARRAY[''join_request''::text, ');
      end if;
      execute 'alter table notifications add constraint notifications_kind_check ' || def;
    end $$`.execute(db);
  await sql`
    create function kindred_notify_join_request() returns trigger language plpgsql as $$
    begin
      if new.state = 'pending' then
        insert into notifications (account_id, kind, actor_id)
        select a.account_id, 'join_request', new.followee_id
        from actors g
        join group_staff s on s.group_actor_id = g.id and s.role in ('owner', 'moderator')
        join actors a on a.id = s.actor_id
        where g.id = new.followee_id and g.type = 'Group' and g.local
          and a.local and a.account_id is not null and a.id <> new.follower_id;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger follows_notify_join_request after insert on follows
    for each row execute function kindred_notify_join_request()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger follows_notify_join_request on follows`.execute(db);
  await sql`drop function kindred_notify_join_request()`.execute(db);
  await sql`delete from notifications where kind = 'join_request'`.execute(db);
  await sql`drop index notifications_unemailed_idx`.execute(db);
  await sql`alter table notifications drop column emailed_at`.execute(db);
  await db.schema.dropTable("email_settings").execute();
}
