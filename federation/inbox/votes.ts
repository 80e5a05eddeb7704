/** Like, Dislike and their Undo: votes on threads and replies. */
import type { Context } from "@fedify/fedify";
import { Dislike, type Like } from "@fedify/vocab";
import { findActorById, findActorByUri } from "../../db/actors.ts";
import { findActiveBan } from "../../db/bans.ts";
import { findPostByUri, findVote, setVote } from "../../db/posts.ts";
import { mayContribute } from "../private-groups.ts";
import type { Actor } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { RefusedError } from "../store-post.ts";
import { redistribute } from "../delivery.ts";
import { resolveActor } from "../remote-actors.ts";
import type { Via } from "./posts.ts";

export async function onVote(ctx: Context<ContextData>, vote: Like | Dislike, via: Via = {}): Promise<void> {
  if (!vote.actorId || !vote.objectId) return;
  const post = await findPostByUri(ctx.data.db, vote.objectId.href);
  if (!post || post.deleted_at) return;
  const voter = await resolveActor(ctx, vote.actorId);
  if (await findActiveBan(ctx.data.db, post.group_id, voter.id)) {
    throw new RefusedError(`${voter.uri} is banned from the group of ${post.uri}`);
  }
  // A private (or local-only) group's posts take votes from its approved members (on partner servers) only.
  const group = await findActorById(ctx.data.db, post.group_id);
  if (group && !(await mayContribute(ctx.data.db, voter, group))) {
    throw new RefusedError(`${voter.uri} is not a member of the private group of ${post.uri}`);
  }
  const value = vote instanceof Dislike ? -1 : 1;
  const previous = await findVote(ctx.data.db, voter.id, post.id);
  // A duplicate delivery changes nothing and is not passed on again.
  if (previous?.value === value && previous.activity_uri === (vote.id?.href ?? null)) return;
  await ctx.data.db.transaction().execute((trx) => setVote(trx, voter.id, post.id, value, vote.id?.href ?? null));
  if (group?.local && !via.viaGroup) await redistribute(ctx, group, vote, undefined, post.uri);
}

/**
 * Undo(Like|Dislike): only the voter, on the post it names.  Returns the
 * post's group when a vote was removed.  The voter's vote on that post is
 * cleared whichever type the Undo names: Lemmy takes back a downvote with
 * Undo(Like), since its API does not tell the two apart.
 */
export async function onUndoVote(
  ctx: Context<ContextData>,
  actorId: URL,
  vote: Like | Dislike,
): Promise<Actor | undefined> {
  if (vote.actorId?.href !== actorId.href || !vote.objectId) return undefined;
  const voter = await findActorByUri(ctx.data.db, actorId.href);
  const post = await findPostByUri(ctx.data.db, vote.objectId.href);
  if (!voter || !post) return undefined;
  const current = await findVote(ctx.data.db, voter.id, post.id);
  if (!current) return undefined;
  await ctx.data.db.transaction().execute((trx) => setVote(trx, voter.id, post.id, 0, null));
  return await findActorById(ctx.data.db, post.group_id);
}
