import { type Kysely, sql } from "kysely";

/**
 * The access log (issue 6, item 8): every time an admin or moderator reads
 * private content that only their role lets them see (a private group's
 * threads when not a member, held or removed posts, reports with the
 * reported content), who, what, when and through which route.  No IP
 * address.  Append-only: a trigger refuses every UPDATE, and every DELETE
 * unless the transaction first set `kindred.access_log_purge` to `on`, which
 * only the retention purge does (db/access-log.ts#purgeAccessLog).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("access_log")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    // Ids without foreign keys: an entry outlives whatever it names.
    .addColumn("account_id", "integer", (c) => c.notNull())
    .addColumn("username", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("group_actor_id", "integer")
    .addColumn("subject", "text", (c) =>
      c.notNull().check(sql`subject in ('private_thread', 'private_threads', 'held_posts', 'removed_post', 'reports', 'member_data')`))
    .addColumn("subject_id", "integer")
    .addColumn("route", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("access_log_at_idx").on("access_log").columns(["at"]).execute();
  await db.schema.createIndex("access_log_group_idx").on("access_log").columns(["group_actor_id", "at"]).execute();
  await sql`
    create function kindred_access_log_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and current_setting('kindred.access_log_purge', true) = 'on' then
        return old;
      end if;
      raise exception 'access_log is append-only';
    end $$`.execute(db);
  await sql`create trigger access_log_append_only before update or delete on access_log
    for each row execute function kindred_access_log_append_only()`.execute(db);
}
