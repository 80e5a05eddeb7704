/** Feedback from members to a local group's moderators: never public. */
import type { Kysely } from "kysely";
import { MODERATOR_ROLES } from "./groups.ts";
import type { FeedbackCategory, Schema } from "./schema.ts";

type Db = Kysely<Schema>;

export interface FeedbackView {
  id: number;
  category: FeedbackCategory;
  body: string;
  created_at: Date;
  handled_at: Date | null;
  author_username: string | null;
  author_host: string | null;
  author_name: string | null;
  handled_by_username: string | null;
}

/** Stores feedback and tells the group's local moderators (kind "feedback"). */
export async function insertFeedback(
  db: Db,
  item: { groupActorId: number; authorActorId: number; category: FeedbackCategory; body: string },
): Promise<{ id: number; category: FeedbackCategory }> {
  return await db.transaction().execute(async (trx) => {
    const row = await trx.insertInto("feedback").values({
      group_actor_id: item.groupActorId,
      author_actor_id: item.authorActorId,
      category: item.category,
      body: item.body,
    }).returning(["id", "category"]).executeTakeFirstOrThrow();
    await trx.insertInto("notifications")
      .columns(["account_id", "kind", "actor_id", "feedback_id"])
      .expression((eb) =>
        eb.selectFrom("group_staff as s")
          .innerJoin("actors as a", "a.id", "s.actor_id")
          .select([
            "a.account_id",
            eb.val("feedback").as("kind"),
            eb.val(item.groupActorId).as("actor_id"),
            eb.val(row.id).as("feedback_id"),
          ])
          .where("s.group_actor_id", "=", item.groupActorId)
          .where("s.role", "in", MODERATOR_ROLES)
          .where("a.local", "=", true).where("a.account_id", "is not", null)
      )
      .execute();
    return row;
  });
}

/** A group's feedback, open first, newest first. */
export function listFeedback(db: Db, groupActorId: number, limit = 200): Promise<FeedbackView[]> {
  return db.selectFrom("feedback as f")
    .leftJoin("actors as a", "a.id", "f.author_actor_id")
    .leftJoin("actors as h", "h.id", "f.handled_by")
    .select([
      "f.id", "f.category", "f.body", "f.created_at", "f.handled_at",
      "a.username as author_username", "a.host as author_host", "a.name as author_name",
      "h.username as handled_by_username",
    ])
    .where("f.group_actor_id", "=", groupActorId)
    .orderBy((eb) => eb("f.handled_at", "is", null), "desc").orderBy("f.id", "desc")
    .limit(limit).execute();
}

export async function countOpenFeedback(db: Db, groupActorId: number): Promise<number> {
  const row = await db.selectFrom("feedback").select((eb) => eb.fn.countAll<number>().as("n"))
    .where("group_actor_id", "=", groupActorId).where("handled_at", "is", null).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Marks one item handled (once); false when the group has no such item. */
export async function setHandled(db: Db, groupActorId: number, id: number, byActorId: number): Promise<boolean> {
  const found = await db.selectFrom("feedback").select("id")
    .where("id", "=", id).where("group_actor_id", "=", groupActorId).executeTakeFirst();
  if (!found) return false;
  await db.updateTable("feedback").set({ handled_at: new Date(), handled_by: byActorId })
    .where("id", "=", id).where("handled_at", "is", null).execute();
  return true;
}
