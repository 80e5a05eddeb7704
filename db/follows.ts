/** Follows: members of groups (local or remote), and local members following remote groups. */
import { type Kysely, sql, type Transaction } from "kysely";
import type { Actor, Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

export async function upsertFollow(
  db: Db,
  followerId: number,
  followeeId: number,
  state: "pending" | "accepted",
  activityUri: string | null,
): Promise<void> {
  await db.insertInto("follows")
    .values({ follower_id: followerId, followee_id: followeeId, state, activity_uri: activityUri })
    .onConflict((oc) =>
      oc.columns(["follower_id", "followee_id"]).doUpdateSet({
        // An accepted follow stays accepted when the Follow is sent again.
        state: sql`case when follows.state = 'accepted' then 'accepted' else excluded.state end`,
        activity_uri: activityUri,
      })
    )
    .execute();
}

export async function setFollowState(db: Db, followerId: number, followeeId: number, state: "pending" | "accepted") {
  const r = await db.updateTable("follows").set({ state })
    .where("follower_id", "=", followerId).where("followee_id", "=", followeeId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteFollow(db: Db, followerId: number, followeeId: number): Promise<boolean> {
  const r = await db.deleteFrom("follows")
    .where("follower_id", "=", followerId).where("followee_id", "=", followeeId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export function findFollow(db: Db, followerId: number, followeeId: number) {
  return db.selectFrom("follows").selectAll()
    .where("follower_id", "=", followerId).where("followee_id", "=", followeeId)
    .executeTakeFirst();
}

/** Accepted followers, as the trigger of migration 0019 keeps count. */
export async function countFollowers(db: Db, followeeId: number): Promise<number> {
  const row = await db.selectFrom("actors").select("follower_count").where("id", "=", followeeId).executeTakeFirst();
  return row?.follower_count ?? 0;
}

/** Accepted remote followers, by id, for delivery (keyset pages). */
export function listRemoteFollowers(db: Db, followeeId: number, afterId = 0, limit = 1000): Promise<Actor[]> {
  return db.selectFrom("follows")
    .innerJoin("actors", "actors.id", "follows.follower_id")
    .selectAll("actors")
    .where("follows.followee_id", "=", followeeId)
    .where("follows.state", "=", "accepted")
    .where("actors.local", "=", false)
    .where("actors.id", ">", afterId)
    .orderBy("actors.id")
    .limit(limit)
    .execute();
}

/** Every approved remote member of a group, with the id of its Follow. */
export function listRemoteMembers(db: Db, followeeId: number): Promise<(Actor & { activity_uri: string | null })[]> {
  return db.selectFrom("follows")
    .innerJoin("actors", "actors.id", "follows.follower_id")
    .selectAll("actors")
    .select("follows.activity_uri as activity_uri")
    .where("follows.followee_id", "=", followeeId)
    .where("follows.state", "=", "accepted")
    .where("actors.local", "=", false)
    .orderBy("actors.id")
    .execute();
}

/** Pending requests to join a group, the oldest `limit` first. */
export function listPendingFollowers(db: Db, followeeId: number, limit = 200): Promise<Actor[]> {
  return db.selectFrom("follows")
    .innerJoin("actors", "actors.id", "follows.follower_id")
    .selectAll("actors")
    .where("follows.followee_id", "=", followeeId)
    .where("follows.state", "=", "pending")
    .orderBy("follows.created_at")
    .limit(limit)
    .execute();
}

/** Whether any local actor follows `followeeId` (accepted). */
export async function hasLocalFollower(db: Db, followeeId: number): Promise<boolean> {
  const row = await db.selectFrom("follows")
    .innerJoin("actors", "actors.id", "follows.follower_id")
    .select("actors.id")
    .where("follows.followee_id", "=", followeeId)
    .where("follows.state", "=", "accepted")
    .where("actors.local", "=", true)
    .limit(1).executeTakeFirst();
  return row != null;
}

/** The remote groups an actor belongs to (accepted), for telling them about profile changes. */
export function listFollowedRemoteGroups(db: Db, followerId: number): Promise<Actor[]> {
  return db.selectFrom("follows")
    .innerJoin("actors", "actors.id", "follows.followee_id")
    .selectAll("actors")
    .where("follows.follower_id", "=", followerId)
    .where("follows.state", "=", "accepted")
    .where("actors.local", "=", false)
    .execute();
}

/** Whether an actor of the server `host` (`host[:port]`) is an approved member of the group. */
export async function hasApprovedMemberOn(db: Db, followeeId: number, host: string): Promise<boolean> {
  const row = await db.selectFrom("follows")
    .innerJoin("actors", "actors.id", "follows.follower_id")
    .select("follows.follower_id")
    .where("follows.followee_id", "=", followeeId).where("follows.state", "=", "accepted")
    .where("actors.local", "=", false).where("actors.host", "=", host)
    .limit(1).executeTakeFirst();
  return row != null;
}

/** Whether the actor is an approved member (accepted follower) of the group. */
export async function isApprovedMember(db: Db, followerId: number, followeeId: number): Promise<boolean> {
  return (await findFollow(db, followerId, followeeId))?.state === "accepted";
}
