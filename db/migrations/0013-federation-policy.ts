import { type Kysely, sql } from "kysely";

/**
 * Instance federation policy (issue 6, item 2): the mode (one row) and
 * per-domain rules.  A domain may carry several actions (limit and
 * reject_media, say), one row each.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("federation_settings")
    .addColumn("id", "integer", (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn("mode", "text", (c) => c.notNull().defaultTo("open").check(sql`mode in ('open', 'allowlist', 'closed')`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into federation_settings (id, mode) values (1, 'open')`.execute(db);
  await db.schema
    .createTable("federation_rules")
    .addColumn("domain", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) =>
      c.notNull().check(sql`action in ('block', 'allow', 'limit', 'reject_media', 'partner')`))
    .addColumn("reason", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("federation_rules_pk", ["domain", "action"])
    .execute();
}
