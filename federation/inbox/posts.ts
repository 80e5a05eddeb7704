/**
 * Create, Update and Delete of threads and replies.  Each may arrive
 * directly (to a local group, which then redistributes it) or inside a
 * remote group's Announce (`viaGroup`).  Only the author may change or
 * delete a post.
 */
import { saveHeldActivity } from "../../db/premoderation.ts";
import { plainJsonLd } from "../json-ld-extensions.ts";
import type { Context } from "@fedify/fedify";
import { type Create, type Delete, isActor, Question, type Update } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { findActorById } from "../../db/actors.ts";
import { findPostByUri, tombstonePost, updatePost } from "../../db/posts.ts";
import type { Actor } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { redistribute } from "../delivery.ts";
import { htmlToText, sanitizeHtml } from "../html.ts";
import { rejectsMedia } from "../instance-policy.ts";
import { stripMedia } from "../../policy/federation-rules.ts";
import { persistActor, refetchActor } from "../remote-actors.ts";
import { isPostObject, RefusedError, storeRemotePost } from "../store-post.ts";
import { requireAudience } from "../audience.ts";
import { honourDistinguished, onModeratorDelete, refuseLockedReply } from "./post-moderation.ts";
import { deletesItsActor, onActorDelete } from "./actor-delete.ts";
import { looksLikeVote, onPollVote, updateRemotePoll } from "./polls.ts";

const logger = getLogger(["kindred", "federation", "posts"]);

export interface Via {
  viaGroup?: Actor;
}

/**
 * `activity.getObject()`, where an object that its origin says does not
 * exist (404, 410) is a refusal, not a failure to retry for hours.
 */
export async function objectOf<T>(activity: { getObject(): Promise<T>; objectId: URL | null }): Promise<T> {
  try {
    return await activity.getObject();
  } catch (error) {
    const status = (error as { response?: Response }).response?.status;
    if (status === 404 || status === 410) {
      throw new RefusedError(`${activity.objectId?.href} is not at its origin (${status})`);
    }
    throw error;
  }
}

export async function onCreate(ctx: Context<ContextData>, create: Create, via: Via = {}): Promise<void> {
  if (!create.actorId) return;
  // Fedify replaces an embedded object from another origin by its origin's copy.
  const object = await objectOf(create);
  if (looksLikeVote(object) && await onPollVote(ctx, create, object)) return;
  if (!isPostObject(object)) return;
  await refuseLockedReply(ctx, object.replyTargetId, create.actorId, via);
  const stored = await storeRemotePost(ctx, object, { sender: create.actorId, viaGroup: via.viaGroup, activity: create });
  if (!stored) {
    logger.debug("Create of {id} is for no group we know; ignored", { id: object.id?.href });
    return;
  }
  if (stored.created) await honourDistinguished(ctx, object, stored.post, stored.group, create.actorId, via);
  if (stored.created && stored.group.local && !via.viaGroup) {
    // A held post is passed on when a moderator approves it.
    if (stored.post.review_state === "held") {
      await saveHeldActivity(ctx.data.db, stored.post.id, await plainJsonLd(create, ctx.contextLoader));
    } else {
      await redistribute(ctx, stored.group, create, object, stored.post.uri);
    }
  }
}

export async function onUpdate(ctx: Context<ContextData>, update: Update, via: Via = {}): Promise<void> {
  if (!update.actorId) return;
  const object = await objectOf(update);
  if (isActor(object)) {
    // A profile update: only the actor itself.
    // The actor's own document, fetched: an activity its server signed with a
    // proof was re-serialised there without extension terms (`memberType`,
    // `postingRestrictedToMods`).  If it cannot be had, the embedded copy,
    // extension terms left as they were.
    if (object.id?.href === update.actorId.href && !(await refetchActor(ctx, object.id))) await persistActor(ctx, object, true);
    return;
  }
  if (!isPostObject(object) || !object.id) return;
  const post = await findPostByUri(ctx.data.db, object.id.href);
  if (!post) {
    // An edit of a post we never saw is as good as its creation.
    await storeRemotePost(ctx, object, { sender: update.actorId, viaGroup: via.viaGroup, activity: update });
    return;
  }
  // An edit that changes a shared post's audience (a public group's post made
  // followers-only or direct, a private group's made public) is refused: the
  // group cannot narrow what it already passed on, nor widen it.
  requireAudience((await findActorById(ctx.data.db, post.group_id))!, object, update);
  const author = await findActorById(ctx.data.db, post.author_id);
  if (author?.uri !== update.actorId.href || object.attributionId?.href !== author.uri) {
    throw new RefusedError(`${update.actorId.href} may not edit ${post.uri}`);
  }
  let html = sanitizeHtml(object.content?.toString() ?? "");
  if (await rejectsMedia(ctx.data.db, author.uri)) html = stripMedia(html);
  const name = object.name?.toString();
  // A poll's new counts come as an Update of an unchanged Question: not an edit.
  const unchanged = object instanceof Question && html === post.content_html &&
    (!name || htmlToText(name).slice(0, 200) === post.title);
  if (!unchanged) await updatePost(ctx.data.db, post.id, {
    title: post.parent_id == null && name ? htmlToText(name).slice(0, 200) : post.title,
    content_html: html,
    source: object.source?.mediaType === "text/markdown" ? object.source.content?.toString() ?? null : null,
    summary: object.summary ? htmlToText(object.summary.toString()).slice(0, 500) : null,
    sensitive: object.sensitive ?? false,
  }, object.updated ? new Date(object.updated.epochMilliseconds) : new Date());
  if (object instanceof Question && post.parent_id == null) await updateRemotePoll(ctx, post.id, object);
  const group = await findActorById(ctx.data.db, post.group_id);
  if (group?.local && !via.viaGroup) await redistribute(ctx, group, update, undefined, post.uri);
}

export async function onDelete(ctx: Context<ContextData>, del: Delete, via: Via = {}): Promise<void> {
  if (!del.actorId || !del.objectId) return;
  if (deletesItsActor(del)) return await onActorDelete(ctx, del, via);
  const post = await findPostByUri(ctx.data.db, del.objectId.href);
  if (!post) return;
  const author = await findActorById(ctx.data.db, post.author_id);
  // Someone else's Delete is a moderator's removal, or refused.
  if (author?.uri !== del.actorId.href) return await onModeratorDelete(ctx, del, post, via);
  await tombstonePost(ctx.data.db, post.id);
  const group = await findActorById(ctx.data.db, post.group_id);
  if (group?.local && !via.viaGroup) await redistribute(ctx, group, del, undefined, post.uri);
}
