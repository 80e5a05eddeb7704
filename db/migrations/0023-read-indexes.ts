import { type Kysely, sql } from "kysely";

/**
 * Read paths at scale (issue #8, item 5): the directory lists groups by
 * name, a page at a time (an index scan that stops after the page instead
 * of sorting every group; keyset on name and id); the admin pages list blocked actors and suspended accounts, a
 * handful among tens of thousands, through partial indexes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("groups_name_idx").on("groups").columns(["name", "id"]).execute();
  await sql`create index actors_blocked_idx on actors (blocked_at desc) where blocked_at is not null`.execute(db);
  await sql`create index accounts_suspended_idx on accounts (suspended_at desc) where suspended_at is not null`.execute(db);
}
