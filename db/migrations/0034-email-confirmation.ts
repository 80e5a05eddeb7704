import { type Kysely, sql } from "kysely";

/**
 * Members manage and confirm their email address (issue 9, item 3):
 * - `accounts.email_verified_at`: when the member confirmed `accounts.email`
 *   by a link emailed to it; null: unconfirmed, and the email job sends
 *   nothing there.  Addresses given before this migration are unconfirmed.
 * - `email_confirmations`: one pending confirmation per account, the address
 *   it confirms (a new one, or the current one) and the SHA-256 of the
 *   link's random token (the token itself is never stored).  A link works
 *   for 24 hours; a new one replaces the old.  One that expired more than
 *   7 days ago is deleted (it holds an address nobody confirmed).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("accounts").addColumn("email_verified_at", "timestamptz").execute();
  await db.schema
    .createTable("email_confirmations")
    .addColumn("account_id", "integer", (c) => c.primaryKey().references("accounts.id").onDelete("cascade"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .execute();
  // Sweeping links expired long ago (db/email-address.ts#savePendingConfirmation).
  await db.schema.createIndex("email_confirmations_expires_idx").on("email_confirmations").column("expires_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("email_confirmations").execute();
  await db.schema.alterTable("accounts").dropColumn("email_verified_at").execute();
}
