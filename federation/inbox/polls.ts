/**
 * Polls from other servers: votes on our members' polls (a `Create(Note)`
 * with the option's `name`, `inReplyTo` the question and no content, as
 * Mastodon sends them), and the `Question`'s options and counts as its
 * author sends them (`Create`, `Update`).
 */
import type { Context } from "@fedify/fedify";
import { type Create, Note, type Question } from "@fedify/vocab";
import { findActorById } from "../../db/actors.ts";
import { findActiveBan } from "../../db/bans.ts";
import { findPoll, insertPoll, pollEnded, recordChoices, recount, setRemoteCounts } from "../../db/polls.ts";
import { findPostByUri } from "../../db/posts.ts";
import type { Transaction } from "kysely";
import type { Schema } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { readQuestion, type RemotePoll } from "../poll-objects.ts";
import { sendPollUpdate } from "../polls.ts";
import { mayContribute } from "../private-groups.ts";
import { resolveActor } from "../remote-actors.ts";
import { RefusedError } from "../store-post.ts";

/** Whether `object` has the shape of a poll vote: a named Note in reply to something, without content. */
export function looksLikeVote(object: unknown): object is Note {
  return object instanceof Note && !!object.name?.toString().trim() && object.replyTargetId != null &&
    (object.content?.toString().trim() ?? "") === "";
}

/**
 * Counts a remote actor's vote on a local poll.  Returns false when the
 * Note is not a vote on a poll we know (it is then handled as a post).
 */
export async function onPollVote(ctx: Context<ContextData>, create: Create, note: Note): Promise<boolean> {
  const db = ctx.data.db;
  const post = await findPostByUri(db, note.replyTargetId!.href);
  const poll = post && post.parent_id == null ? await findPoll(db, post.id) : undefined;
  if (!post || !poll) return false;
  const voterUri = create.actorId!;
  if (note.attributionId && note.attributionId.href !== voterUri.href) {
    throw new RefusedError(`vote ${note.id?.href} is attributed to ${note.attributionId.href}, not ${voterUri.href}`);
  }
  // The poll's origin counts; a vote sent here for someone else's poll is not ours to count.
  if (!post.local) throw new RefusedError(`${post.uri} is counted by its own server`);
  if (post.deleted_at || post.review_state !== "published") throw new RefusedError(`${post.uri} takes no votes`);
  if (pollEnded(poll)) throw new RefusedError(`the poll ${post.uri} has ended`);
  const name = note.name!.toString().trim();
  const option = poll.options.find((o) => o.name === name);
  if (!option) throw new RefusedError(`the poll ${post.uri} has no option “${name.slice(0, 100)}”`);
  const voter = await resolveActor(ctx, voterUri);
  if (voter.local || voter.blocked_at) throw new RefusedError(`${voterUri.href} may not vote here`);
  // A private group's polls take votes from its approved members on partner servers only, as its posts do.
  const group = await findActorById(db, post.group_id);
  if (group && (await findActiveBan(db, group.id, voter.id) || !(await mayContribute(db, voter, group)))) {
    throw new RefusedError(`${voterUri.href} may not vote in ${group.uri}`);
  }
  const added = await db.transaction().execute(async (trx) => {
    const added = await recordChoices(trx, post.id, voter.id, poll.multiple, [option.position], null);
    if (added.length > 0) await recount(trx, post.id);
    return added;
  });
  if (added.length > 0) await sendPollUpdate(ctx, post);
  return true;
}

/** What a remote `Question` says, read before the transaction that stores its thread. */
export function pollOf(question: Question): Promise<RemotePoll | null> {
  return readQuestion(question);
}

/** Stores a remote poll's options and counts with its new thread. */
export async function storeRemotePoll(trx: Transaction<Schema>, postId: number, poll: RemotePoll): Promise<void> {
  await insertPoll(trx, postId, { multiple: poll.multiple, endTime: poll.endTime, options: poll.options.map((o) => o.name) }, {
    votes: poll.options.map((o) => o.votes),
    voters: poll.voters ?? Math.max(0, ...poll.options.map((o) => o.votes)),
    at: poll.at ?? undefined,
  });
}

/** Takes the counts of an `Update(Question)` from the poll's author (already checked). */
export async function updateRemotePoll(ctx: Context<ContextData>, postId: number, question: Question): Promise<void> {
  const poll = await readQuestion(question);
  if (!poll) return;
  const db = ctx.data.db;
  if (!(await findPoll(db, postId))) {
    await db.transaction().execute((trx) => storeRemotePoll(trx, postId, poll));
    return;
  }
  await setRemoteCounts(db, postId, {
    votes: new Map(poll.options.map((o) => [o.name, o.votes])),
    voters: poll.voters,
    endTime: poll.endTime,
    at: poll.at ?? new Date(),
  });
}
