import { type Kysely, sql } from "kysely";

/** Notifications of mentions. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table notifications drop constraint notifications_kind_check`.execute(db);
  await sql`alter table notifications add constraint notifications_kind_check
    check (kind in ('reply', 'mention', 'join_accepted', 'join_rejected'))`.execute(db);
}
