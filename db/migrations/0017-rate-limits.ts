import { type Kysely, sql } from "kysely";

/**
 * Rate limits (issue 7, item 3): one counter per key and fixed window, shared
 * by every web process on the database.  Keys are HMACs (never an address or
 * a username in clear), with a secret that changes every day
 * (`rate_limit_secrets`).  Rows are useless once `expires_at` has passed and
 * are swept.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("rate_limits")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("hits", "integer", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("rate_limits_expires_at").on("rate_limits").column("expires_at").execute();
  await db.schema
    .createTable("rate_limit_secrets")
    .addColumn("day", "date", (c) => c.primaryKey())
    .addColumn("secret", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
