/**
 * The access log (migration 0018): admins' and moderators' reads of private
 * content.  Append-only: entries are only added, listed, and purged after
 * the retention period.
 */
import { type Kysely, sql } from "kysely";
import type { AccessLogTable, Schema } from "./schema.ts";
import type { Insertable, Selectable } from "kysely";

export type AccessLogEntry = Selectable<AccessLogTable> & { group_name: string | null; group_username: string | null };

export async function recordAccess(db: Kysely<Schema>, entry: Insertable<AccessLogTable>): Promise<void> {
  await db.insertInto("access_log").values(entry).execute();
}

/** The newest entries first; only those about one group when `groupActorIds` is given. */
export async function listAccessLog(
  db: Kysely<Schema>,
  options: { groupActorIds?: number[]; limit?: number } = {},
): Promise<AccessLogEntry[]> {
  if (options.groupActorIds && options.groupActorIds.length === 0) return [];
  let query = db.selectFrom("access_log")
    .leftJoin("actors", "actors.id", "access_log.group_actor_id")
    .selectAll("access_log")
    .select(["actors.name as group_name", "actors.username as group_username"]);
  if (options.groupActorIds) query = query.where("access_log.group_actor_id", "in", options.groupActorIds);
  return await query.orderBy("access_log.id", "desc").limit(options.limit ?? 200).execute();
}

/** Deletes entries older than `days` days (the only deletion the table allows); resolves to how many. */
export async function purgeAccessLog(db: Kysely<Schema>, days: number): Promise<number> {
  return await db.transaction().execute(async (trx) => {
    await sql`select set_config('kindred.access_log_purge', 'on', true)`.execute(trx);
    const result = await trx.deleteFrom("access_log")
      .where("at", "<", sql<Date>`now() - make_interval(days => ${days})`)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  });
}

/** The local groups the actor owns (their owners read the access log about them). */
export async function ownedGroupIds(db: Kysely<Schema>, actorId: number): Promise<number[]> {
  return (await db.selectFrom("group_staff").select("group_actor_id")
    .where("actor_id", "=", actorId).where("role", "=", "owner").execute()).map((r) => r.group_actor_id);
}
