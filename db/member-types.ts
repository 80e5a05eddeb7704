/**
 * Member-type badges (patient, caregiver / family, supporter): what a member
 * is in a group.  A member may choose a badge for one group (`follows`,
 * "in this group I care for someone") over the one of their profile
 * (`actors.member_type`: a local member's profile, or what a remote Kindred
 * member's actor declares).  Migration 0029.
 */
import { type Kysely, sql } from "kysely";
import type { MemberType, Schema } from "./schema.ts";

type Db = Kysely<Schema>;

export const MEMBER_TYPES: readonly MemberType[] = ["patient", "caregiver", "supporter"];

/**
 * The badge each actor shows in a group (without a group: their profile's).
 * One correlated lookup per actor by key: a join made the planner read every
 * follow of a big group for a 300-reply thread.
 */
export async function memberTypesOf(db: Db, actorIds: number[], groupActorId?: number): Promise<Map<number, MemberType>> {
  if (actorIds.length === 0) return new Map();
  const rows = await db.selectFrom("actors")
    .select((eb) => [
      "actors.id",
      groupActorId == null ? "actors.member_type" : eb.fn.coalesce(
        eb.selectFrom("follows").select("follows.member_type")
          .whereRef("follows.follower_id", "=", "actors.id").where("follows.followee_id", "=", groupActorId),
        "actors.member_type",
      ).as("member_type"),
    ])
    .where("actors.id", "in", actorIds)
    .execute();
  return new Map(rows.filter((r) => r.member_type != null).map((r) => [r.id, r.member_type as MemberType]));
}

/** SQL for the badge of `authorColumn` in `groupColumn`, for filters. */
export function memberTypeIn(authorColumn: string, groupColumn: string) {
  return sql<MemberType | null>`coalesce(
    (select f.member_type from follows f where f.follower_id = ${sql.ref(authorColumn)} and f.followee_id = ${sql.ref(groupColumn)}),
    (select a.member_type from actors a where a.id = ${sql.ref(authorColumn)}))`;
}

/** A member's own choice for one group: undefined when not a member (nor asking to be). */
export async function membershipType(db: Db, followerId: number, groupActorId: number): Promise<MemberType | null | undefined> {
  const row = await db.selectFrom("follows").select("member_type")
    .where("follower_id", "=", followerId).where("followee_id", "=", groupActorId).executeTakeFirst();
  return row ? row.member_type : undefined;
}

/** Sets (or, with null, clears) a member's badge for one group; false when they are not a member. */
export async function setMembershipType(db: Db, followerId: number, groupActorId: number, type: MemberType | null): Promise<boolean> {
  const result = await db.updateTable("follows").set({ member_type: type })
    .where("follower_id", "=", followerId).where("followee_id", "=", groupActorId).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Remote actors' declared badges: what their Kindred server says, or nothing. */
export async function setActorMemberType(db: Db, actorId: number, type: MemberType | null): Promise<void> {
  await db.updateTable("actors").set({ member_type: type }).where("id", "=", actorId).where("local", "=", false).execute();
}
