import { type Kysely, sql } from "kysely";

/**
 * Onboarding (issue 9, item 4): a group's welcome message, the thread its
 * managers chose as the introductions thread, and when each membership was
 * accepted (for the "new here" badge).  `follows.accepted_at` is set by a
 * trigger whenever a row becomes accepted, however it got there (joining an
 * open group, a moderator's approval, an `Accept` from another server, a
 * remote member's `Follow` of a local group).  Memberships accepted before
 * this migration count from when they were asked for.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("groups")
    .addColumn("welcome_source", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await db.schema.alterTable("groups")
    .addColumn("welcome_html", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await db.schema.alterTable("groups")
    .addColumn("introductions_post_id", "integer", (c) => c.references("posts.id").onDelete("set null"))
    .execute();
  await db.schema.alterTable("follows").addColumn("accepted_at", "timestamptz").execute();
  await sql`update follows set accepted_at = created_at where state = 'accepted'`.execute(db);
  await sql`
    create function kindred_follow_accepted_at() returns trigger language plpgsql as $$
    begin
      if new.state = 'accepted' and (tg_op = 'INSERT' or old.state <> 'accepted') then
        new.accepted_at := now();
      elsif new.state <> 'accepted' then
        new.accepted_at := null;
      elsif tg_op = 'UPDATE' then
        new.accepted_at := old.accepted_at;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger follows_accepted_at before insert or update of state on follows
    for each row execute function kindred_follow_accepted_at()`.execute(db);
}
