/**
 * Bans from a group (local groups, and our copy of a remote group's bans),
 * and the instance-wide measures: suspended accounts, blocked remote actors,
 * the verified-clinician badge.  A ban's expiry is checked when it is read:
 * an expired ban is no ban, and no job has to lift it.
 */
import { type Kysely, sql, type Transaction } from "kysely";
import { logModeration } from "./moderation-log.ts";
import type { Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

export interface BanInput {
  groupActorId: number;
  actorId: number;
  reason: string | null;
  expiresAt: Date | null;
  bannedBy: number | null;
  activityUri: string | null;
}

/** Records (or replaces) a ban. */
export async function insertBan(db: Db, ban: BanInput): Promise<void> {
  const row = {
    group_actor_id: ban.groupActorId,
    actor_id: ban.actorId,
    reason: ban.reason,
    expires_at: ban.expiresAt,
    banned_by: ban.bannedBy,
    activity_uri: ban.activityUri,
  };
  await db.insertInto("group_bans").values(row)
    .onConflict((oc) =>
      oc.columns(["group_actor_id", "actor_id"]).doUpdateSet({
        reason: row.reason,
        expires_at: row.expires_at,
        banned_by: row.banned_by,
        activity_uri: row.activity_uri,
        created_at: new Date(),
      })
    ).execute();
}

/** Lifts a ban; returns whether there was one (expired or not). */
export async function deleteBan(db: Db, groupActorId: number, actorId: number): Promise<boolean> {
  const rows = await db.deleteFrom("group_bans")
    .where("group_actor_id", "=", groupActorId).where("actor_id", "=", actorId).execute();
  return rows.some((r) => Number(r.numDeletedRows) > 0);
}

export interface ActiveBan {
  reason: string | null;
  expires_at: Date | null;
}

/** The actor's ban from the group, if one is in force now. */
export function findActiveBan(db: Db, groupActorId: number, actorId: number): Promise<ActiveBan | undefined> {
  return db.selectFrom("group_bans").select(["reason", "expires_at"])
    .where("group_actor_id", "=", groupActorId).where("actor_id", "=", actorId)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", sql<Date>`now()`)]))
    .executeTakeFirst();
}

export interface BanView extends ActiveBan {
  actor_id: number;
  uri: string;
  username: string;
  host: string;
  name: string | null;
  created_at: Date;
}

/** Bans in force in a group, newest first. */
export function listActiveBans(db: Db, groupActorId: number): Promise<BanView[]> {
  return db.selectFrom("group_bans")
    .innerJoin("actors", "actors.id", "group_bans.actor_id")
    .select([
      "group_bans.actor_id", "group_bans.reason", "group_bans.expires_at", "group_bans.created_at",
      "actors.uri", "actors.username", "actors.host", "actors.name",
    ])
    .where("group_bans.group_actor_id", "=", groupActorId)
    .where((eb) => eb.or([eb("group_bans.expires_at", "is", null), eb("group_bans.expires_at", ">", sql<Date>`now()`)]))
    .orderBy("group_bans.created_at", "desc").execute();
}

/**
 * Marks the actor's posts in the group removed by a moderator (Lemmy's
 * `removeData`); content is kept so that it can be restored.  Returns how
 * many posts were removed.
 */
export async function removePostsOfActorInGroup(
  db: Db,
  groupActorId: number,
  actorId: number,
  reason: string | null,
): Promise<number> {
  const rows = await db.updateTable("posts").set({ removed_at: new Date(), removed_reason: reason })
    .where("group_id", "=", groupActorId).where("author_id", "=", actorId)
    .where("removed_at", "is", null).where("deleted_at", "is", null)
    .execute();
  return rows.reduce((n, r) => n + Number(r.numUpdatedRows), 0);
}

/** Suspends or reinstates a local account; a suspension ends its sessions and API tokens. */
export async function setSuspended(db: Kysely<Schema>, accountId: number, reason: string | null, suspended: boolean) {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable("accounts")
      .set({ suspended_at: suspended ? new Date() : null, suspended_reason: suspended ? reason : null })
      .where("id", "=", accountId).execute();
    if (suspended) {
      await trx.deleteFrom("sessions").where("account_id", "=", accountId).execute();
      await trx.deleteFrom("api_tokens").where("account_id", "=", accountId).execute();
    }
  });
}

/** Blocks (or unblocks) a remote actor instance-wide. */
export async function setBlocked(db: Db, actorId: number, reason: string | null, blocked: boolean): Promise<void> {
  await db.updateTable("actors")
    .set({ blocked_at: blocked ? new Date() : null, blocked_reason: blocked ? reason : null })
    .where("id", "=", actorId).where("local", "=", false).execute();
}

/** Whether the actor with this URI is blocked on this instance (one indexed lookup). */
export async function isBlockedUri(db: Db, uri: string): Promise<boolean> {
  const row = await db.selectFrom("actors").select("id")
    .where("uri", "=", uri).where("blocked_at", "is not", null).executeTakeFirst();
  return row != null;
}

/** Whether `uri` is a remote actor its own server deleted (after its Delete of itself). */
export async function isDeletedRemoteUri(db: Db, uri: string): Promise<boolean> {
  const row = await db.selectFrom("actors").select("id")
    .where("uri", "=", uri).where("local", "=", false).where("deleted_at", "is not", null).executeTakeFirst();
  return row != null;
}

export function listBlockedActors(db: Db) {
  return db.selectFrom("actors")
    .select(["id", "uri", "username", "host", "name", "blocked_at", "blocked_reason"])
    .where("blocked_at", "is not", null).orderBy("blocked_at", "desc").execute();
}

export function listSuspendedAccounts(db: Db) {
  return db.selectFrom("accounts")
    .select(["id", "username", "display_name", "suspended_at", "suspended_reason"])
    .where("suspended_at", "is not", null).orderBy("suspended_at", "desc").execute();
}

/** Grants (a date, nothing about the check) or revokes the verified-clinician badge. */
export async function setClinicianVerified(db: Db, accountId: number, verified: boolean): Promise<void> {
  await db.updateTable("accounts").set({ clinician_verified_at: verified ? new Date() : null })
    .where("id", "=", accountId).execute();
}

export interface Badges {
  /** Local actors verified as clinicians by this instance's admins. */
  clinicians: Set<number>;
  /** Mentors of the group. */
  mentors: Set<number>;
  /** Members who joined the group recently ("New here", src/onboarding.ts). */
  newcomers?: Set<number>;
}

/** The badges shown next to these authors' names in a group. */
export async function badgesOf(db: Db, groupActorId: number | undefined, actorIds: number[]): Promise<Badges> {
  if (actorIds.length === 0) return { clinicians: new Set(), mentors: new Set() };
  const clinicians = await db.selectFrom("actors")
    .innerJoin("accounts", "accounts.id", "actors.account_id")
    .select("actors.id")
    .where("actors.id", "in", actorIds).where("actors.local", "=", true)
    .where("accounts.clinician_verified_at", "is not", null).execute();
  const mentors = groupActorId == null ? [] : await db.selectFrom("group_staff").select("actor_id as id")
    .where("group_actor_id", "=", groupActorId).where("role", "=", "mentor")
    .where("actor_id", "in", actorIds).execute();
  return { clinicians: new Set(clinicians.map((r) => r.id)), mentors: new Set(mentors.map((r) => r.id)) };
}

/** Which of these actors are blocked instance-wide. */
export async function blockedAmong(db: Db, actorIds: number[]): Promise<Set<number>> {
  if (actorIds.length === 0) return new Set();
  const rows = await db.selectFrom("actors").select("id")
    .where("id", "in", [...new Set(actorIds)]).where("blocked_at", "is not", null).execute();
  return new Set(rows.map((r) => r.id));
}

/**
 * A ban as a moderator decided it, in one transaction: the ban (replacing an
 * earlier one), the removal of the member's posts in the group when asked,
 * and the moderation log entry (which tells a local member why).
 */
export async function recordBan(
  db: Kysely<Schema>,
  ban: BanInput & { removeData: boolean; moderatorRole: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await insertBan(trx, ban);
    if (ban.removeData) await removePostsOfActorInGroup(trx, ban.groupActorId, ban.actorId, ban.reason);
    await logModeration(trx, {
      group_actor_id: ban.groupActorId,
      moderator_actor_id: ban.bannedBy,
      moderator_role: ban.moderatorRole,
      action: ban.removeData ? "ban and remove content" : "ban",
      target_actor_id: ban.actorId,
      reason: ban.reason ?? "",
      expires_at: ban.expiresAt,
      activity_uri: ban.activityUri,
    });
  });
}

/** Sets the id of the activity that announced a ban, once it is sent. */
export async function setBanActivity(db: Db, groupActorId: number, actorId: number, activityUri: string): Promise<void> {
  await db.updateTable("group_bans").set({ activity_uri: activityUri })
    .where("group_actor_id", "=", groupActorId).where("actor_id", "=", actorId).execute();
}
