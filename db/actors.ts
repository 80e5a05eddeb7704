/** Queries on actors: local members and groups, and copies of remote ones. */
import type { Kysely, Transaction } from "kysely";
import type { Actor, NewActor, Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

/** Inserts or refreshes a remote actor's copy, keyed by URI. */
export async function upsertActor(db: Db, actor: NewActor): Promise<Actor> {
  const { uri: _uri, ...changes } = actor;
  return await db.insertInto("actors").values(actor)
    .onConflict((oc) => oc.column("uri").doUpdateSet({ ...changes, fetched_at: new Date() }))
    .returningAll().executeTakeFirstOrThrow();
}

export async function insertActor(db: Db, actor: NewActor): Promise<Actor> {
  return await db.insertInto("actors").values(actor).returningAll().executeTakeFirstOrThrow();
}

export function findActorByUri(db: Db, uri: string): Promise<Actor | undefined> {
  return db.selectFrom("actors").selectAll().where("uri", "=", uri).executeTakeFirst();
}

export function findActorById(db: Db, id: number): Promise<Actor | undefined> {
  return db.selectFrom("actors").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findGroupActor(db: Db, groupId: number): Promise<Actor | undefined> {
  return db.selectFrom("actors").selectAll().where("group_id", "=", groupId).executeTakeFirst();
}

export function findAccountActor(db: Db, accountId: number): Promise<Actor | undefined> {
  return db.selectFrom("actors").selectAll().where("account_id", "=", accountId).executeTakeFirst();
}
