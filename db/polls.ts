/**
 * Polls: a thread's options and counts, and who chose what (never shown or
 * served; only used to count, to replace a single choice and to tell a
 * member what they chose).
 */
import { type Kysely, sql, type Transaction } from "kysely";
import type { Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

export interface PollOption {
  position: number;
  name: string;
  votes_count: number;
}

export interface Poll {
  post_id: number;
  multiple: boolean;
  end_time: Date | null;
  voters_count: number;
  updated_at: Date;
  options: PollOption[];
}

export interface NewPoll {
  multiple: boolean;
  endTime: Date | null;
  options: string[];
}

/** Whether a poll has ended at `at`. */
export function pollEnded(poll: Pick<Poll, "end_time">, at = new Date()): boolean {
  return poll.end_time != null && poll.end_time.getTime() <= at.getTime();
}

/** Stores a new poll's options (inside the transaction that stores its thread). */
export async function insertPoll(
  trx: Db,
  postId: number,
  poll: NewPoll,
  counts?: { votes: number[]; voters: number; at?: Date },
) {
  await trx.insertInto("polls").values({
    post_id: postId,
    ...(counts?.at ? { updated_at: counts.at } : {}),
    multiple: poll.multiple,
    end_time: poll.endTime,
    voters_count: counts?.voters ?? 0,
  }).onConflict((oc) => oc.column("post_id").doNothing()).execute();
  if (poll.options.length === 0) return;
  await trx.insertInto("poll_options")
    .values(poll.options.map((name, position) => ({ post_id: postId, position, name, votes_count: counts?.votes[position] ?? 0 })))
    .onConflict((oc) => oc.columns(["post_id", "position"]).doNothing())
    .execute();
}

export async function findPoll(db: Db, postId: number): Promise<Poll | undefined> {
  const poll = await db.selectFrom("polls").selectAll().where("post_id", "=", postId).executeTakeFirst();
  if (!poll) return undefined;
  const options = await db.selectFrom("poll_options").select(["position", "name", "votes_count"])
    .where("post_id", "=", postId).orderBy("position").execute();
  return { ...poll, options };
}

/** The positions an actor chose in a poll. */
export async function choicesOf(db: Db, postId: number, actorId: number): Promise<number[]> {
  const rows = await db.selectFrom("poll_votes").select("position")
    .where("post_id", "=", postId).where("actor_id", "=", actorId).orderBy("position").execute();
  return rows.map((r) => r.position);
}

/**
 * Records an actor's choices: a single-choice poll replaces the previous
 * choice; a multiple-choice one adds the options not chosen yet (one vote
 * per actor per option).  Returns the positions newly chosen.
 */
export async function recordChoices(
  trx: Transaction<Schema>,
  postId: number,
  actorId: number,
  multiple: boolean,
  positions: number[],
  activityUri: string | null,
): Promise<number[]> {
  // One vote at a time per poll, so that the recount that follows sees
  // every committed vote (see setVote in db/posts.ts).
  await trx.selectFrom("polls").select("post_id").where("post_id", "=", postId).forUpdate().execute();
  const before = await choicesOf(trx, postId, actorId);
  const added = positions.filter((p) => !before.includes(p));
  if (!multiple && added.length > 0) {
    await trx.deleteFrom("poll_votes").where("post_id", "=", postId).where("actor_id", "=", actorId)
      .where("position", "not in", added).execute();
  }
  if (added.length > 0) {
    await trx.insertInto("poll_votes")
      .values(added.map((position) => ({ post_id: postId, position, actor_id: actorId, activity_uri: activityUri })))
      .onConflict((oc) => oc.columns(["post_id", "position", "actor_id"]).doNothing())
      .execute();
  }
  return added;
}

/** Recounts a local poll from its votes. */
export async function recount(trx: Db, postId: number): Promise<void> {
  await trx.updateTable("poll_options")
    .set({
      votes_count: sql`(select count(*) from poll_votes v
        where v.post_id = poll_options.post_id and v.position = poll_options.position)::int`,
    })
    .where("post_id", "=", postId).execute();
  await trx.updateTable("polls")
    .set({
      voters_count: sql`(select count(distinct actor_id) from poll_votes where post_id = ${postId})::int`,
      updated_at: new Date(),
    })
    .where("post_id", "=", postId).execute();
}

/**
 * Takes a remote poll's counts (and end) as its origin sent them at `at`;
 * counts older than those stored (an Update overtaken by a later one) are
 * ignored.
 */
export async function setRemoteCounts(
  db: Kysely<Schema>,
  postId: number,
  counts: { votes: Map<string, number>; voters: number | null; endTime: Date | null; at: Date },
): Promise<void> {
  const newer = await db.updateTable("polls").set({ updated_at: counts.at })
    .where("post_id", "=", postId).where("updated_at", "<", counts.at)
    .returning("post_id").executeTakeFirst();
  if (!newer) return;
  for (const [name, votes] of counts.votes) {
    await db.updateTable("poll_options").set({ votes_count: votes })
      .where("post_id", "=", postId).where("name", "=", name).execute();
  }
  const voters = counts.voters ??
    Math.max(0, ...counts.votes.values());
  await db.updateTable("polls").set({ voters_count: voters, end_time: counts.endTime })
    .where("post_id", "=", postId).execute();
}
