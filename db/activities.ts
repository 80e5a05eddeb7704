/** Activities sent by local actors; a group's are its outbox. */
import { sql, type Kysely } from "kysely";
import { jsonb } from "./json.ts";
import type { Schema } from "./schema.ts";

export async function recordActivity(
  db: Kysely<Schema>,
  actorId: number,
  uri: string,
  type: string,
  json: unknown,
): Promise<void> {
  await db.insertInto("activities")
    .values({ actor_id: actorId, uri, type, json: jsonb(json) })
    .onConflict((oc) => oc.column("uri").doNothing()).execute();
}

export async function findActivityJson(db: Kysely<Schema>, uri: string): Promise<unknown | undefined> {
  const row = await db.selectFrom("activities").select("json").where("uri", "=", uri).executeTakeFirst();
  return row?.json;
}

export async function deleteActivity(db: Kysely<Schema>, uri: string): Promise<void> {
  await db.deleteFrom("activities").where("uri", "=", uri).execute();
}

// Outboxes list what was published; votes stay out of them (as in Lemmy),
// though each vote is still served at its id for peers that verify it.
const OUTBOX_TYPES = ["Create", "Update", "Delete", "Announce"];

/** An actor's outbox, newest first. */
export function listOutbox(db: Kysely<Schema>, actorId: number, limit = 50) {
  return db.selectFrom("activities").select(["uri", "json", "created_at"])
    .where("actor_id", "=", actorId).where("type", "in", OUTBOX_TYPES)
    .orderBy("id", "desc").limit(limit).execute();
}

export async function countOutbox(db: Kysely<Schema>, actorId: number): Promise<number> {
  const row = await db.selectFrom("activities").select(sql<number>`count(*)`.as("n"))
    .where("actor_id", "=", actorId).where("type", "in", OUTBOX_TYPES)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
