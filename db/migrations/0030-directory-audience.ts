import { type Kysely, sql } from "kysely";

/**
 * Whom a group in another server's directory is for (everyone, patients,
 * caregivers and family; migration 0029 for our own groups), so that the
 * directory page shows it and can be filtered by it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("directory_entries")
    .addColumn("audience", "text", (c) =>
      c.notNull().defaultTo("everyone").check(sql`audience in ('everyone', 'patients', 'caregivers')`))
    .execute();
}
