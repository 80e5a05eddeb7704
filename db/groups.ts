/** Queries on local support groups. */
import type { Kysely, Transaction } from "kysely";
import type { Group, GroupUpdate, NewGroup, Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

export class NameTakenError extends Error {
  constructor(readonly takenName: string) {
    super(`The name "${takenName}" is already taken by a member or a group`);
    this.name = "NameTakenError";
  }
}

/** Reserves `name` for a kind; throws NameTakenError if any account or group has it. */
export async function reserveName(db: Db, name: string, kind: "account" | "group"): Promise<void> {
  const inserted = await db.insertInto("local_names").values({ name, kind })
    .onConflict((oc) => oc.column("name").doNothing())
    .returning("name").executeTakeFirst();
  if (!inserted) throw new NameTakenError(name);
}

/** Reserves the slug and creates the group; run it inside a transaction. */
export async function insertGroup(trx: Transaction<Schema>, group: NewGroup): Promise<Group> {
  await reserveName(trx, group.slug, "group");
  return trx.insertInto("groups").values(group).returningAll().executeTakeFirstOrThrow();
}

export function findGroupBySlug(db: Db, slug: string): Promise<Group | undefined> {
  return db.selectFrom("groups").selectAll().where("slug", "=", slug).executeTakeFirst();
}

export function findGroupById(db: Db, id: number): Promise<Group | undefined> {
  return db.selectFrom("groups").selectAll().where("id", "=", id).executeTakeFirst();
}

/** All groups, oldest first (the instance has tens, not thousands, for now). */
export function listGroups(db: Db): Promise<Group[]> {
  return db.selectFrom("groups").selectAll().orderBy("id").execute();
}

export async function updateGroup(db: Db, slug: string, changes: GroupUpdate): Promise<Group | undefined> {
  return await db.updateTable("groups").set({ ...changes, updated_at: new Date() })
    .where("slug", "=", slug).returningAll().executeTakeFirst();
}

/** Usernames of a group's moderators (owner first). */
export async function listGroupModerators(db: Db, groupId: number): Promise<string[]> {
  const rows = await db.selectFrom("group_moderators")
    .innerJoin("accounts", "accounts.id", "group_moderators.account_id")
    .select("accounts.username")
    .where("group_moderators.group_id", "=", groupId)
    .orderBy("group_moderators.role", "desc").orderBy("accounts.id")
    .execute();
  return rows.map((r) => r.username);
}

export async function addGroupModerator(
  db: Db,
  groupId: number,
  accountId: number,
  role: "owner" | "moderator",
): Promise<void> {
  await db.insertInto("group_moderators").values({ group_id: groupId, account_id: accountId, role })
    .onConflict((oc) => oc.columns(["group_id", "account_id"]).doUpdateSet({ role }))
    .execute();
}

export async function isGroupModerator(db: Db, groupId: number, accountId: number): Promise<boolean> {
  const row = await db.selectFrom("group_moderators").select("account_id")
    .where("group_id", "=", groupId).where("account_id", "=", accountId).executeTakeFirst();
  return row != null;
}
