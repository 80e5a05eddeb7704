import { type Kysely, sql } from "kysely";

/**
 * Read paths at scale (issue #8, item 5): the directory lists groups by
 * name, a page at a time (an index scan that stops after the page instead
 * of sorting every group; keyset on name and id); the admin pages list blocked actors and suspended accounts, a
 * handful among tens of thousands, through partial indexes.  The directory
 * search reads a stored tsvector: the expression index of migration 0003
 * found the groups, but ranking them computed each one's tsvector again
 * (55 ms for a search among 1,000 groups on PGlite).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("groups_name_idx").on("groups").columns(["name", "id"]).execute();
  await sql`create index actors_blocked_idx on actors (blocked_at desc) where blocked_at is not null`.execute(db);
  await sql`alter table groups add column search_vector tsvector
    generated always as (to_tsvector('simple', name || ' ' || slug || ' ' || summary_source)) stored`.execute(db);
  await sql`drop index groups_search_idx`.execute(db);
  await sql`create index groups_search_idx on groups using gin (search_vector)`.execute(db);
  await sql`create index accounts_suspended_idx on accounts (suspended_at desc) where suspended_at is not null`.execute(db);
}
