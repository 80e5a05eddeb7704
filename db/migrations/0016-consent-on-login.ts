import { type Kysely, sql } from "kysely";

/**
 * Consent on first log-in (issue 6, item 7): an account that never
 * consented (made by `kindred admin create`, or before consent was
 * recorded) is asked to accept the guidelines and the health-data consent
 * before anything else on the web pages.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("accounts")
    .addColumn("consent_pending", "boolean", (c) => c.notNull().defaultTo(false)).execute();
  // Accounts from before: asked too, unless they have a consent record.
  await sql`update accounts set consent_pending = true
    where deleted_at is null and not exists (select 1 from consents where consents.account_id = accounts.id)`
    .execute(db);
}
