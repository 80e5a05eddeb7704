/**
 * Inbox routes and the listener for each activity type (handlers live in
 * federation/inbox/, one file per concern).  Refusals are logged with the
 * activity id and change nothing.
 */
import type { FederationBuilder, InboxContext } from "@fedify/fedify";
import { Accept, Activity, Add, Announce, Block, Create, Delete, Dislike, Flag, Follow, Like, Reject, Remove, Undo, Update } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { type ContextData, INSTANCE_ACTOR } from "./context.ts";
import { isBlockedUri, isDeletedRemoteUri } from "../db/bans.ts";
import { mayFederateWith } from "./instance-policy.ts";
import { onAddOrRemove } from "./inbox/add-remove.ts";
import { onBlock } from "./inbox/bans.ts";
import { onAcceptOrReject, onFollow } from "./inbox/follows.ts";
import { onCreate, onDelete, onUpdate } from "./inbox/posts.ts";
import { onFlag } from "./inbox/reports.ts";
import { onAnnounce, onUndo } from "./inbox/undo-announce.ts";
import { onUntypedActivity } from "./inbox/untyped.ts";
import { onVote } from "./inbox/votes.ts";
import { RefusedError } from "./store-post.ts";

const logger = getLogger(["kindred", "federation", "inbox"]);

/**
 * A refusal is final: it is logged, not thrown, so that Fedify does not
 * retry it.  Other errors propagate and are retried.
 */
function refusing<A extends { id: URL | null }>(
  handler: (ctx: InboxContext<ContextData>, activity: A) => Promise<void>,
) {
  return async (ctx: InboxContext<ContextData>, activity: A & { actorId: URL | null }) => {
    try {
      // An activity lives on its actor's server; one that claims otherwise
      // could pass off someone else's id as its own.
      if (activity.id && activity.actorId && activity.id.origin !== activity.actorId.origin) {
        throw new RefusedError(`${activity.id.href} is not on ${activity.actorId.href}'s server`);
      }
      // Nothing from an actor an admin blocked instance-wide.
      if (activity.actorId && await isBlockedUri(ctx.data.db, activity.actorId.href)) {
        throw new RefusedError(`${activity.actorId.href} is blocked on this instance`);
      }
      // Nor from an actor its server deleted: a deletion is final, so a
      // replay of what it signed before (its keys may still be cached) or
      // anything after must not bring its content back.
      if (activity.actorId && await isDeletedRemoteUri(ctx.data.db, activity.actorId.href)) {
        throw new RefusedError(`${activity.actorId.href} was deleted by its server`);
      }
      // Nor from a server the instance federation policy excludes (the HTTP
      // layer refuses most of those before this, by the signature's key).
      if (activity.actorId && !await mayFederateWith(ctx.data.db, activity.actorId)) {
        throw new RefusedError(`${activity.actorId.host} is excluded by this instance's federation policy`);
      }
      await handler(ctx, activity);
    } catch (error) {
      if (!(error instanceof RefusedError)) throw error;
      logger.info("Refused {id}: {reason}", { id: activity.id?.href, reason: error.message });
    }
  };
}

export function registerInbox(builder: FederationBuilder<ContextData>): void {
  builder
    .setInboxListeners("/@{identifier}/inbox", "/inbox")
    // What the handlers fetch (keys, objects named by id) is signed: by the
    // recipient at its own inbox (Fedify's default), by the instance actor at
    // the shared inbox, so that peers in secure mode answer.
    .setSharedKeyDispatcher(() => ({ identifier: INSTANCE_ACTOR }))
    .on(Follow, refusing(onFollow))
    .on(Accept, refusing(onAcceptOrReject))
    .on(Reject, refusing(onAcceptOrReject))
    .on(Undo, refusing((ctx, undo: Undo) => onUndo(ctx, undo)))
    .on(Create, refusing((ctx, create: Create) => onCreate(ctx, create)))
    .on(Update, refusing((ctx, update: Update) => onUpdate(ctx, update)))
    .on(Delete, refusing((ctx, del: Delete) => onDelete(ctx, del)))
    .on(Like, refusing((ctx, like: Like) => onVote(ctx, like)))
    .on(Dislike, refusing((ctx, dislike: Dislike) => onVote(ctx, dislike)))
    .on(Announce, refusing(onAnnounce))
    .on(Add, refusing((ctx, add: Add) => onAddOrRemove(ctx, add)))
    .on(Remove, refusing((ctx, remove: Remove) => onAddOrRemove(ctx, remove)))
    .on(Block, refusing((ctx, block: Block) => onBlock(ctx, block)))
    .on(Flag, refusing((ctx, flag: Flag) => onFlag(ctx, flag)))
    // Types Fedify does not know (Lemmy's Lock and Resolve): see inbox/untyped.ts.
    .on(Activity, refusing((ctx, activity: Activity) => onUntypedActivity(ctx, activity)))
    .onError((_ctx, error) => {
      logger.error("Inbox listener failed: {error}", { error });
    });
}
