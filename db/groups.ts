/** Queries on local support groups. */
import { type Kysely, type RawBuilder, sql, type Transaction } from "kysely";
import type { ConditionTag } from "../policy/condition-tags.ts";
import { jsonb } from "./json.ts";
import type { Group, GroupUpdate, NewGroup, Schema, StaffRole } from "./schema.ts";

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

/** A group's condition tags, languages and listing in other instances' directories (migration 0026). */
export async function setGroupDirectoryFields(
  db: Db,
  groupId: number,
  fields: { conditionTags?: ConditionTag[]; languages?: string[]; listedElsewhere?: boolean },
): Promise<void> {
  const set: { condition_tags?: RawBuilder<string>; languages?: RawBuilder<string>; listed_elsewhere?: boolean } = {};
  if (fields.conditionTags) set.condition_tags = jsonb(fields.conditionTags);
  if (fields.languages) set.languages = jsonb(fields.languages);
  if (fields.listedElsewhere != null) set.listed_elsewhere = fields.listedElsewhere;
  if (Object.keys(set).length === 0) return;
  await db.updateTable("groups").set({ ...set, updated_at: new Date() }).where("id", "=", groupId).execute();
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

/** A member of a group's staff, with what pages and collections show. */
export interface StaffMember {
  actor_id: number;
  role: StaffRole;
  uri: string;
  username: string;
  host: string;
  name: string | null;
  local: boolean;
}

/** A group's staff (owner, then moderators, then mentors), or only the given roles. */
export function listGroupStaff(db: Db, groupActorId: number, roles?: readonly StaffRole[]): Promise<StaffMember[]> {
  let q = db.selectFrom("group_staff")
    .innerJoin("actors", "actors.id", "group_staff.actor_id")
    .select(["group_staff.actor_id", "group_staff.role", "actors.uri", "actors.username", "actors.host", "actors.name", "actors.local"])
    .where("group_staff.group_actor_id", "=", groupActorId);
  if (roles) q = q.where("group_staff.role", "in", roles);
  return q.orderBy(sql`case group_staff.role when 'owner' then 0 when 'moderator' then 1 else 2 end`)
    .orderBy("group_staff.created_at").orderBy("group_staff.actor_id")
    .execute();
}

export const MODERATOR_ROLES: readonly StaffRole[] = ["owner", "moderator"];

/** Owner and moderators: the people in a group's moderators collection. */
export function listGroupModerators(db: Db, groupActorId: number): Promise<StaffMember[]> {
  return listGroupStaff(db, groupActorId, MODERATOR_ROLES);
}

export async function addGroupStaff(db: Db, groupActorId: number, actorId: number, role: StaffRole): Promise<void> {
  await db.insertInto("group_staff").values({ group_actor_id: groupActorId, actor_id: actorId, role })
    .onConflict((oc) => oc.columns(["group_actor_id", "actor_id"]).doUpdateSet({ role }))
    .execute();
}

/** Returns whether the actor was on the staff. */
export async function removeGroupStaff(db: Db, groupActorId: number, actorId: number): Promise<boolean> {
  const rows = await db.deleteFrom("group_staff")
    .where("group_actor_id", "=", groupActorId).where("actor_id", "=", actorId).execute();
  return rows.some((r) => Number(r.numDeletedRows) > 0);
}

/** Replaces the moderators a remote group lists (from its moderators collection). */
export async function replaceGroupModerators(db: Db, groupActorId: number, actorIds: number[]): Promise<void> {
  await db.deleteFrom("group_staff").where("group_actor_id", "=", groupActorId)
    .where("role", "in", MODERATOR_ROLES).execute();
  for (const actorId of actorIds) await addGroupStaff(db, groupActorId, actorId, "moderator");
}

export async function staffRole(db: Db, groupActorId: number, actorId: number): Promise<StaffRole | undefined> {
  const row = await db.selectFrom("group_staff").select("role")
    .where("group_actor_id", "=", groupActorId).where("actor_id", "=", actorId).executeTakeFirst();
  return row?.role;
}

/** Whether the actor is the group's owner or one of its moderators (mentors are not). */
export async function isGroupModerator(db: Db, groupActorId: number, actorId: number): Promise<boolean> {
  const role = await staffRole(db, groupActorId, actorId);
  return role === "owner" || role === "moderator";
}
