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
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index notifications_unemailed_idx`.execute(db);
  await sql`alter table notifications drop column emailed_at`.execute(db);
  await db.schema.dropTable("email_settings").execute();
}
