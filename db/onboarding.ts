/** A group's welcome message and introductions thread, and who is new in it. */
import { type Kysely, sql } from "kysely";
import type { Schema } from "./schema.ts";

type Db = Kysely<Schema>;

export async function setWelcome(db: Db, groupId: number, source: string, html: string): Promise<void> {
  await db.updateTable("groups").set({ welcome_source: source, welcome_html: html, updated_at: new Date() })
    .where("id", "=", groupId).execute();
}

export async function setIntroductionsThread(db: Db, groupId: number, postId: number | null): Promise<void> {
  await db.updateTable("groups").set({ introductions_post_id: postId, updated_at: new Date() })
    .where("id", "=", groupId).execute();
}

/**
 * Which of these actors joined the group (their membership accepted) less
 * than `days` days ago.  The group's staff (owner, moderators, mentors) are
 * never counted as new.
 */
export async function newcomersAmong(db: Db, groupActorId: number, actorIds: number[], days: number): Promise<Set<number>> {
  if (actorIds.length === 0) return new Set();
  const rows = await db.selectFrom("follows").select("follower_id")
    .where("followee_id", "=", groupActorId)
    .where("follower_id", "in", [...new Set(actorIds)])
    .where("state", "=", "accepted")
    .where("accepted_at", ">", sql<Date>`now() - make_interval(days => ${days})`)
    .where((eb) =>
      eb.not(eb.exists(
        eb.selectFrom("group_staff").select("group_staff.actor_id")
          .whereRef("group_staff.actor_id", "=", "follows.follower_id")
          .where("group_staff.group_actor_id", "=", groupActorId),
      ))
    )
    .execute();
  return new Set(rows.map((r) => r.follower_id));
}
