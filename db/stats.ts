/** Usage counts for NodeInfo and the front page. */
import { type Kysely, sql } from "kysely";
import type { Schema } from "./schema.ts";

export interface UsageCounts {
  users: number;
  activeHalfyear: number;
  activeMonth: number;
  groups: number;
}

export async function usageCounts(db: Kysely<Schema>): Promise<UsageCounts> {
  const row = await db.selectFrom("accounts")
    .select([
      sql<number>`count(*)`.as("users"),
      sql<number>`count(*) filter (where last_active_at > now() - interval '180 days')`.as("half"),
      sql<number>`count(*) filter (where last_active_at > now() - interval '30 days')`.as("month"),
      sql<number>`(select count(*) from groups)`.as("groups"),
    ])
    .executeTakeFirstOrThrow();
  return {
    users: Number(row.users),
    activeHalfyear: Number(row.half),
    activeMonth: Number(row.month),
    groups: Number(row.groups),
  };
}
