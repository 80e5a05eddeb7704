/**
 * Threads are `Page`s, replies are `Note`s (as in Lemmy).  Local ones are
 * served at their ids, each with a `context` pointing at its thread's
 * collection (FEP-7888).
 */
import type { Context, FederationBuilder, RequestContext } from "@fedify/fedify";
import {
  Image,
  Note,
  type Object as APObject,
  Page,
  Question,
  Source,
  Tombstone,
} from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import type { Kysely } from "kysely";
import { listMediaOf } from "../db/media.ts";
import { findPoll } from "../db/polls.ts";
import { findActorById } from "../db/actors.ts";
import { findPostView, listThreadPostViews, type PostView } from "../db/posts.ts";
import type { Schema } from "../db/schema.ts";
import { groupAudience, postGroup } from "./audience.ts";
import type { ContextData } from "./context.ts";
import { mayFetchGroupContent } from "./group-access.ts";
import { withExtensions } from "./json-ld-extensions.ts";
import { questionFor } from "./poll-objects.ts";

const instant = (d: Date) => Temporal.Instant.fromEpochMilliseconds(d.getTime());

export const THREAD_PATH = "/posts/{id}";
export const REPLY_PATH = "/comments/{id}";

/** URI of a new local post: threads under /posts/, replies under /comments/. */
export function localPostUri(origin: URL, id: number, isReply: boolean): URL {
  return new URL(`/${isReply ? "comments" : "posts"}/${id}`, origin);
}

/** The thread context collection of a local thread. */
export function threadContextUri(threadUri: string): URL {
  return new URL(`${threadUri}/context`);
}

/** The ActivityPub form of a stored post. */
export function postObject(post: PostView): Page | Note | Tombstone {
  const id = new URL(post.uri);
  if (post.deleted_at) {
    return new Tombstone({ id, deleted: instant(post.deleted_at) });
  }
  const common = {
    id,
    attribution: new URL(post.author_uri),
    content: post.content_html,
    mediaType: "text/html",
    source: post.source == null ? null : new Source({ content: post.source, mediaType: "text/markdown" }),
    summary: post.summary,
    sensitive: post.sensitive,
    published: instant(post.published_at),
    updated: post.updated_at ? instant(post.updated_at) : null,
    url: post.url ? new URL(post.url) : id,
    audience: new URL(post.group_uri),
    contexts: post.context_uri ? [new URL(post.context_uri)] : [],
  };
  if (post.parent_id == null) {
    return new Page({
      ...common,
      name: post.title,
      tos: groupAudience(postGroup(post), "thread").tos,
      ccs: groupAudience(postGroup(post), "thread").ccs,
    });
  }
  return new Note({
    ...common,
    replyTarget: post.parent_uri ? new URL(post.parent_uri) : null,
    tos: groupAudience(postGroup(post), "reply").tos,
    ccs: groupAudience(postGroup(post), "reply").ccs,
  });
}

/** Lemmy's terms for a post's moderation state: pinned and locked threads, moderator notes. */
export function moderationTerms(post: PostView): Record<string, unknown> {
  return post.parent_id == null
    ? { stickied: post.pinned_at != null, commentsEnabled: post.locked_at == null }
    : { distinguished: post.distinguished };
}

/**
 * `postObject`, except that a poll thread is a `Question` (federation/poll-objects.ts),
 * with a local post's images as `attachment`s (`Image`: url, mediaType, name = alt text, width, height).
 */
export async function storedObject(db: Kysely<Schema>, post: PostView): Promise<Page | Note | Tombstone | Question> {
  const poll = post.parent_id == null && !post.deleted_at ? await findPoll(db, post.id) : undefined;
  const object = poll ? questionFor(post, poll) : postObject(post);
  if (object instanceof Tombstone || !post.local) return object;
  const images = (await listMediaOf(db, [post.id])).get(post.id) ?? [];
  if (images.length === 0) return object;
  return object.clone({
    attachments: images.map((m) =>
      new Image({
        url: new URL(`/media/${m.id}`, post.uri),
        mediaType: m.content_type,
        name: m.alt,
        width: m.width,
        height: m.height,
      })
    ),
  });
}

/**
 * A post as we serve it: plain-JSON friendly (see json-ld-extensions.ts).
 * A post removed by a moderator is not served (its content is kept for a
 * restore, not for the public).
 */
export async function servedObject(ctx: Context<ContextData>, post: PostView) {
  if (post.removed_at && !post.deleted_at) return new Tombstone({ id: new URL(post.uri), deleted: instant(post.removed_at) });
  const object = await storedObject(ctx.data.db, post);
  return object instanceof Tombstone
    ? object
    : await withExtensions(object, { sensitive: post.sensitive, ...moderationTerms(post) }, ctx.contextLoader);
}

async function localPost(ctx: Context<ContextData>, uri: URL): Promise<PostView | undefined> {
  const post = await findPostView(ctx.data.db, { uri: uri.href });
  // A post held for review (or rejected) does not exist for anyone else yet.
  return post?.local && post.review_state === "published" ? post : undefined;
}

/** Whether the requester may fetch the post at `uri` (its group's visibility, group-access.ts). */
async function mayFetchPostAt(ctx: RequestContext<ContextData>, uri: URL): Promise<boolean> {
  const post = await findPostView(ctx.data.db, { uri: uri.href });
  if (!post) return true; // 404 from the dispatcher
  return await mayFetchGroupContent(ctx, await findActorById(ctx.data.db, post.group_id));
}

export function registerObjects(builder: FederationBuilder<ContextData>): void {
  builder.setObjectDispatcher(Page, THREAD_PATH, async (ctx, values) => {
    const post = await localPost(ctx, ctx.getObjectUri(Page, values));
    if (!post || post.parent_id != null) return null;
    const object = await servedObject(ctx, post);
    // A poll thread is a Question at the same address.
    return object instanceof Page || object instanceof Question ? object as Page : null;
  }).authorize((ctx, values) => mayFetchPostAt(ctx, ctx.getObjectUri(Page, values)));

  builder.setObjectDispatcher(Note, REPLY_PATH, async (ctx, values) => {
    const post = await localPost(ctx, ctx.getObjectUri(Note, values));
    if (!post || post.parent_id == null) return null;
    const object = await servedObject(ctx, post);
    return object instanceof Note ? object : null;
  }).authorize((ctx, values) => mayFetchPostAt(ctx, ctx.getObjectUri(Note, values)));

  // FEP-7888: the whole thread, root first, as one collection.
  builder.setCollectionDispatcher(
    "thread-context",
    Page as unknown as typeof APObject,
    "/posts/{id}/context",
    async (ctx, values) => {
      const root = await localPost(ctx, ctx.getObjectUri(Page, values));
      if (!root || root.parent_id != null) return null;
      const posts = await listThreadPostViews(ctx.data.db, root.id);
      const published = posts.filter((p) => p.review_state === "published");
      return { items: await Promise.all(published.map((p) => servedObject(ctx, p))) };
    },
  ).authorize((ctx, values) => mayFetchPostAt(ctx, ctx.getObjectUri(Page, values)));
}
