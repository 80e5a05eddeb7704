import { type Kysely, sql } from "kysely";

/**
 * Group visibility (issue 6, item 1): `public` (readable by anyone,
 * federated), `private` (members only; content never addressed to Public,
 * fetched only with a signature from an instance with an approved member),
 * `local` (never federated).  `groups` holds the setting of a local group;
 * `actors` mirrors it for local groups and records what a remote group's
 * actor document says, so that addressing needs only the actor row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("groups")
    .addColumn("visibility", "text", (c) =>
      c.notNull().defaultTo("public").check(sql`visibility in ('public', 'private', 'local')`))
    .execute();
  await db.schema.alterTable("actors")
    .addColumn("visibility", "text", (c) =>
      c.notNull().defaultTo("public").check(sql`visibility in ('public', 'private', 'local')`))
    .execute();
}

