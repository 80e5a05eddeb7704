/** A group's pinned resources: links to reliable information, in display order. */
import type { Kysely, Selectable } from "kysely";
import type { GroupResourcesTable, Schema } from "./schema.ts";

type Db = Kysely<Schema>;

export type GroupResource = Selectable<GroupResourcesTable>;

export function listGroupResources(db: Db, groupId: number): Promise<GroupResource[]> {
  return db.selectFrom("group_resources").selectAll().where("group_id", "=", groupId)
    .orderBy("position").orderBy("id").execute();
}

export function addGroupResource(
  db: Db,
  resource: { group_id: number; title: string; url: string; description: string; position: number },
): Promise<GroupResource> {
  return db.insertInto("group_resources").values(resource).returningAll().executeTakeFirstOrThrow();
}

export async function deleteGroupResource(db: Db, groupId: number, id: number): Promise<boolean> {
  const rows = await db.deleteFrom("group_resources").where("group_id", "=", groupId).where("id", "=", id).execute();
  return rows.some((r) => Number(r.numDeletedRows) > 0);
}
