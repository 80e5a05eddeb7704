/**
 * Voting in polls, federated as Mastodon does.  A poll's origin counts:
 * a local poll's votes are counted here and the new counts go out as an
 * `Update(Question)` from the poll's author (through the group); a vote on
 * a remote poll is a `Create(Note)` with the option's `name`, `inReplyTo`
 * the question and no content, sent to the poll's author alone, and never
 * kept, served or listed (who voted for what is nobody else's business).
 */
import type { Context } from "@fedify/fedify";
import { Create, Note, Update } from "@fedify/vocab";
import { findActorById } from "../db/actors.ts";
import { type Poll, recordChoices, recount } from "../db/polls.ts";
import { findPostView } from "../db/posts.ts";
import type { Actor, Post } from "../db/schema.ts";
import { groupAudience } from "./audience.ts";
import type { ContextData } from "./context.ts";
import { newActivityId, recipientOf } from "./delivery.ts";
import { toGroup } from "./member-actions.ts";
import { storedObject } from "./objects.ts";

type Ctx = Context<ContextData>;

/**
 * Records `voter`'s choices (positions, already checked) in `post`'s poll.
 * Returns the positions newly chosen.
 */
export async function castPollVote(ctx: Ctx, voter: Actor, post: Post, poll: Poll, positions: number[]): Promise<number[]> {
  const db = ctx.data.db;
  if (post.local) {
    const added = await db.transaction().execute(async (trx) => {
      const added = await recordChoices(trx, post.id, voter.id, poll.multiple, positions, null);
      if (added.length > 0) await recount(trx, post.id);
      return added;
    });
    if (added.length > 0) await sendPollUpdate(ctx, post);
    return added;
  }
  const author = await findActorById(db, post.author_id);
  if (!author) return [];
  const added = await db.transaction().execute((trx) =>
    recordChoices(trx, post.id, voter.id, poll.multiple, positions, null)
  );
  for (const position of added) {
    const option = poll.options.find((o) => o.position === position)!;
    const id = newActivityId(ctx);
    const create = new Create({
      id,
      actor: new URL(voter.uri),
      tos: [new URL(author.uri)],
      object: new Note({
        id: new URL(`${id.href}#vote`),
        attribution: new URL(voter.uri),
        name: option.name,
        replyTarget: new URL(post.uri),
        tos: [new URL(author.uri)],
      }),
    });
    // Not `sendFrom`: a vote is not remembered, so it is never served.
    if (author.inbox_url) {
      await ctx.sendActivity({ identifier: voter.username }, [recipientOf(author)], create, {
        excludeBaseUris: [new URL(ctx.origin)],
        orderingKey: post.uri,
      });
    }
  }
  return added;
}

/** Sends a local poll's new counts: `Update(Question)` from its author, through the group. */
export async function sendPollUpdate(ctx: Ctx, post: Post): Promise<void> {
  const db = ctx.data.db;
  const view = await findPostView(db, { id: post.id });
  const author = await findActorById(db, post.author_id);
  const group = await findActorById(db, post.group_id);
  if (!view || !author?.local || !group || view.review_state !== "published" || view.deleted_at) return;
  const question = await storedObject(db, view);
  const update = new Update({
    id: newActivityId(ctx),
    actor: new URL(author.uri),
    object: question,
    ...groupAudience(group, "activity"),
  });
  await toGroup(ctx, author, group, post, update);
}
