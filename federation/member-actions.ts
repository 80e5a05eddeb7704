/**
 * What local members do, federated: joining and leaving groups, posting,
 * editing, deleting and voting.  In a local group the group redistributes
 * the member's activity to its followers; in a remote group the activity
 * goes to the group, which announces it back to everyone, us included.
 */
import type { Context } from "@fedify/fedify";
import {
  Accept,
  type Activity,
  Create,
  Delete,
  Dislike,
  Follow,
  Like,
  type Object as APObject,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";
import { deleteActivity, findActivityJson } from "../db/activities.ts";
import { deleteFollow, findFollow, upsertFollow } from "../db/follows.ts";
import { isGroupModerator } from "../db/groups.ts";
import { findHeldActivity } from "../db/premoderation.ts";
import { insertPoll, type NewPoll } from "../db/polls.ts";
import {
  findPostById,
  findPostView,
  findVote,
  insertPost,
  nextPostId,
  type PostEdit,
  setVote,
  tombstonePost,
  updatePost,
} from "../db/posts.ts";
import type { Actor, Post } from "../db/schema.ts";
import { groupAudience } from "./audience.ts";
import type { ContextData } from "./context.ts";
import { newActivityId, redistribute, remember, sendFrom } from "./delivery.ts";
import { insertImages, type NewLocalImage } from "../db/media.ts";
import { localPostUri, storedObject, threadContextUri } from "./objects.ts";

type Ctx = Context<ContextData>;

/** Activities about one post are delivered in order (see delivery.ts). */
export async function toGroup(ctx: Ctx, sender: Actor, group: Actor, post: Post, activity: Activity, object?: APObject) {
  if (group.local) {
    await remember(ctx, sender, activity);
    await redistribute(ctx, group, activity, object, post.uri);
  } else {
    await sendFrom(ctx, sender, [group], activity, post.uri);
  }
}

function addressing(group: Actor) {
  return groupAudience(group, "activity");
}

/** Joins a group: at once for open local groups, by request otherwise. */
export async function joinGroup(ctx: Ctx, member: Actor, group: Actor): Promise<"accepted" | "pending"> {
  if (group.local) {
    // A group's own moderators need nobody's approval.
    const moderator = await isGroupModerator(ctx.data.db, group.id, member.id);
    const asks = group.manually_approves_followers || group.visibility === "private";
    const state = asks && !moderator ? "pending" : "accepted";
    await upsertFollow(ctx.data.db, member.id, group.id, state, null);
    return (await findFollow(ctx.data.db, member.id, group.id))!.state;
  }
  const follow = new Follow({ id: newActivityId(ctx), actor: new URL(member.uri), object: new URL(group.uri) });
  await upsertFollow(ctx.data.db, member.id, group.id, "pending", follow.id!.href);
  await sendFrom(ctx, member, [group], follow);
  return (await findFollow(ctx.data.db, member.id, group.id))!.state;
}

export async function leaveGroup(ctx: Ctx, member: Actor, group: Actor): Promise<void> {
  const follow = await findFollow(ctx.data.db, member.id, group.id);
  if (!follow) return;
  await deleteFollow(ctx.data.db, member.id, group.id);
  if (!group.local) {
    const undo = new Undo({
      id: newActivityId(ctx),
      actor: new URL(member.uri),
      object: new Follow({
        id: follow.activity_uri ? new URL(follow.activity_uri) : null,
        actor: new URL(member.uri),
        object: new URL(group.uri),
      }),
    });
    await sendFrom(ctx, member, [group], undo);
  }
}

/** A local group accepts a remote actor's Follow (at once, or when a moderator approves). */
export async function sendAccept(ctx: Context<ContextData>, group: Actor, follower: Actor, follow: Follow) {
  await sendFrom(ctx, group, [follower], new Accept({ id: newActivityId(ctx), actor: new URL(group.uri), object: follow }));
}

/** Rebuilds the Follow a remote actor sent, from what was stored. */
export function storedFollow(follower: Actor, group: Actor, activityUri: string | null): Follow {
  return new Follow({
    id: activityUri ? new URL(activityUri) : null,
    actor: new URL(follower.uri),
    object: new URL(group.uri),
  });
}

export interface NewPostInput extends PostEdit {
  parent?: Post;
  /** Held for review by the group's moderators (pre-moderation): stored, not sent. */
  heldBecause?: string;
  /** A moderator's note (Lemmy's distinguished comment). */
  distinguished?: boolean;
  /** A poll thread: its options, stored with it (sent as a `Question`). */
  poll?: NewPoll;
  /** Images, already re-encoded (src/image-sanitiser.ts): stored with it, sent as `attachment`s. */
  images?: NewLocalImage[];
}

/**
 * Publishes a thread (no parent) or a reply in `group`; a held post is only
 * stored until a moderator approves it (publishHeldPost).
 */
export async function publishPost(ctx: Ctx, author: Actor, group: Actor, input: NewPostInput): Promise<Post> {
  const db = ctx.data.db;
  const id = await nextPostId(db);
  const parent = input.parent;
  const uri = localPostUri(new URL(ctx.origin), id, parent != null).href;
  const root = parent ? await findPostById(db, parent.thread_id ?? parent.id) : undefined;
  const contextUri = root
    ? (root.local ? threadContextUri(root.uri).href : root.context_uri ?? root.uri)
    : threadContextUri(uri).href;
  const { post } = await db.transaction().execute(async (trx) => {
    const stored = await insertPost(trx, {
      id,
      uri,
      group_id: group.id,
      author_id: author.id,
      parent_id: parent?.id ?? null,
      thread_id: parent ? (parent.thread_id ?? parent.id) : null,
      depth: parent ? parent.depth + 1 : 0,
      title: parent ? null : input.title ?? null,
      content_html: input.content_html,
      source: input.source ?? null,
      summary: input.summary ?? null,
      sensitive: input.sensitive ?? false,
      url: uri,
      context_uri: contextUri,
      local: true,
      distinguished: input.distinguished ?? false,
      ...(input.heldBecause != null ? { review_state: "held" as const, review_reason: input.heldBecause } : {}),
    });
    if (input.poll && !parent) await insertPoll(trx, id, input.poll);
    if (input.images?.length) await insertImages(trx, id, author.id, input.images);
    return stored;
  });
  if (input.heldBecause == null) await sendCreate(ctx, author, group, post);
  return post;
}

async function sendCreate(ctx: Ctx, author: Actor, group: Actor, post: Post): Promise<void> {
  const object = await storedObject(ctx.data.db, (await findPostView(ctx.data.db, { id: post.id }))!);
  if (post.distinguished) {
    // Fedify cannot write `distinguished`: the Create names the note by id,
    // and receivers fetch it as we serve it (federation/objects.ts).
    const create = new Create({ id: newActivityId(ctx), actor: new URL(author.uri), object: object.id, ...addressing(group) });
    await toGroup(ctx, author, group, post, create);
    return;
  }
  const create = new Create({ id: newActivityId(ctx), actor: new URL(author.uri), object, ...addressing(group) });
  await toGroup(ctx, author, group, post, create, object);
}

/**
 * Sends a post that a moderator approved: a local member's as a new
 * `Create`; a remote member's by passing on the `Create` it came in.
 */
export async function publishHeldPost(ctx: Ctx, group: Actor, post: Post, author: Actor): Promise<void> {
  if (post.local) return await sendCreate(ctx, author, group, post);
  const json = await findHeldActivity(ctx.data.db, post.id);
  if (!json) return;
  const create = await Create.fromJsonLd(json, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
  const object = await create.getObject({ crossOrigin: "trust" });
  await redistribute(ctx, group, create, object ?? undefined, post.uri);
}

export async function editPost(ctx: Ctx, author: Actor, group: Actor, post: Post, edit: PostEdit): Promise<void> {
  await updatePost(ctx.data.db, post.id, edit);
  const object = await storedObject(ctx.data.db, (await findPostView(ctx.data.db, { id: post.id }))!);
  const update = new Update({ id: newActivityId(ctx), actor: new URL(author.uri), object, ...addressing(group) });
  await toGroup(ctx, author, group, post, update);
}

export async function deletePost(ctx: Ctx, author: Actor, group: Actor, post: Post): Promise<void> {
  await tombstonePost(ctx.data.db, post.id);
  const del = new Delete({
    id: newActivityId(ctx),
    actor: new URL(author.uri),
    object: new Tombstone({ id: new URL(post.uri) }),
    ...addressing(group),
  });
  await toGroup(ctx, author, group, post, del);
}

/**
 * Sets a member's vote: 1 (Like), -1 (Dislike) or 0 (Undo of the current
 * one).  Switching sends the new vote alone, as Lemmy does: receivers
 * replace a voter's vote, and an Undo arriving after the new vote would
 * clear it (Lemmy's Undo names no vote type).
 */
export async function castVote(ctx: Ctx, voter: Actor, group: Actor, post: Post, value: 1 | -1 | 0): Promise<void> {
  const db = ctx.data.db;
  const previous = await findVote(db, voter.id, post.id);
  if ((previous?.value ?? 0) === value) return;
  if (value === 0) {
    const json = previous?.activity_uri ? await findActivityJson(db, previous.activity_uri) : undefined;
    const Type = previous!.value === 1 ? Like : Dislike;
    const old = json
      ? await Type.fromJsonLd(json, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader })
      : new Type({ id: previous!.activity_uri ? new URL(previous!.activity_uri) : null, actor: new URL(voter.uri), object: new URL(post.uri) });
    const undo = new Undo({ id: newActivityId(ctx), actor: new URL(voter.uri), object: old, ...addressing(group) });
    await db.transaction().execute((trx) => setVote(trx, voter.id, post.id, 0, null));
    await toGroup(ctx, voter, group, post, undo);
    if (previous!.activity_uri) await deleteActivity(db, previous!.activity_uri);
    return;
  }
  const Type = value === 1 ? Like : Dislike;
  const vote = new Type({ id: newActivityId(ctx), actor: new URL(voter.uri), object: new URL(post.uri), ...addressing(group) });
  await db.transaction().execute((trx) => setVote(trx, voter.id, post.id, value, vote.id!.href));
  await toGroup(ctx, voter, group, post, vote);
  if (previous?.activity_uri) await deleteActivity(db, previous.activity_uri);
}
