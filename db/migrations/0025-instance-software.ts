import { type Kysely, sql } from "kysely";

/**
 * The software each remote server runs, from its NodeInfo (issue 8): a
 * group sends `Announce(object)` only to servers that need it (Mastodon
 * and other microblogs), not to group-aware ones (Lemmy, Kindred, …).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("instance_software")
    .addColumn("host", "text", (c) => c.primaryKey())
    .addColumn("software", "text")
    .addColumn("checked_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("instance_software").execute();
}
