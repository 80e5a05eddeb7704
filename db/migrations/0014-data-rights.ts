import { type Kysely, sql } from "kysely";

/**
 * Data rights (issue 6, items 6 and 7): erased accounts, the tracking of
 * the `Delete` deliveries an erasure sends, versioned community guidelines
 * and the consent members give (and withdraw) to them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // An erased account keeps its row (its name stays reserved and its key
  // signs the Deletes still being delivered); everything personal is cleared.
  await db.schema.alterTable("accounts").addColumn("deleted_at", "timestamptz").execute();
  // A remote actor its server deleted.
  await db.schema.alterTable("actors").addColumn("deleted_at", "timestamptz").execute();
  await db.schema
    .createTable("deletion_deliveries")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("activity_uri", "text", (c) => c.notNull())
    .addColumn("activity_json", "jsonb", (c) => c.notNull())
    .addColumn("inbox_url", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().defaultTo("pending"))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .addColumn("next_attempt_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("deletion_deliveries_unique", ["activity_uri", "inbox_url"])
    .execute();
  await db.schema.createIndex("deletion_deliveries_due_idx").on("deletion_deliveries")
    .columns(["state", "next_attempt_at"]).execute();
  await db.schema
    .createTable("guidelines")
    .addColumn("version", "integer", (c) => c.primaryKey())
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable("consents")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("guidelines_version", "integer", (c) => c.notNull())
    .addColumn("given_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("withdrawn_at", "timestamptz")
    .execute();
  await db.schema.createIndex("consents_account_idx").on("consents").columns(["account_id", "given_at"]).execute();
}
