/**
 * Storing a thread or reply that another server published.  The object
 * must come from its origin (the caller made sure), its author must be the
 * actor who sent it, and it must belong to a group Kindred knows.
 */
import { afterScreening, type Screening, screenPost } from "./screening.ts";
import type { Context } from "@fedify/fedify";
import { Article, Collection, Document, Image, Link, Mention, Note, Page, Question } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { findActorById, findActorByUri } from "../db/actors.ts";
import { findActiveBan } from "../db/bans.ts";
import { notifyMentions } from "../db/notifications.ts";
import { mayContribute } from "./private-groups.ts";
import { findPostByUri, insertPost } from "../db/posts.ts";
import { insertImages, type RemoteImage } from "../db/media.ts";
import type { Actor, Post } from "../db/schema.ts";
import type { ContextData } from "./context.ts";
import { htmlToText, sanitizeHtml } from "./html.ts";
import { rejectsMedia } from "./instance-policy.ts";
import { stripMedia } from "../policy/federation-rules.ts";
import { resolveActor, signedLoader } from "./remote-actors.ts";
import { pollOf, storeRemotePoll } from "./inbox/polls.ts";
import { type Addressed, requireAudience } from "./audience.ts";
import { RefusedError } from "./refused.ts";

/** A `Question` is a poll thread (federation/inbox/polls.ts). */
export type PostObject = Page | Article | Note | Question;

export function isPostObject(object: unknown): object is PostObject {
  return object instanceof Page || object instanceof Article || object instanceof Note || object instanceof Question;
}

export { RefusedError } from "./refused.ts";

const MAX_BACKFILL_DEPTH = 32;
const logger = getLogger(["kindred", "federation", "backfill"]);

/** Candidate group URIs of an object: audience, addressees and mentions. */
async function groupCandidates(object: PostObject): Promise<string[]> {
  const uris = [
    object.audienceId,
    ...object.toIds,
    ...object.ccIds,
  ].filter((u): u is URL => u != null).map((u) => u.href);
  for await (const tag of object.getTags({ suppressError: true })) {
    if ((tag instanceof Mention || tag instanceof Link) && tag.href) uris.push(tag.href.href);
  }
  return [...new Set(uris)];
}

async function findGroupFor(ctx: Context<ContextData>, object: PostObject, viaGroup?: Actor): Promise<Actor | undefined> {
  for (const uri of await groupCandidates(object)) {
    if (viaGroup && uri === viaGroup.uri) return viaGroup;
    const actor = await findActorByUri(ctx.data.db, uri);
    if (actor?.type === "Group") return actor;
  }
  return undefined;
}

/** A remote image's width or height, when it is a plausible one (a column of `integer`s stores it). */
function dimension(value: number | null | undefined): number | null {
  return value != null && Number.isInteger(value) && value > 0 && value <= 100_000 ? value : null;
}

function titleFrom(object: PostObject, text: string): string {
  const name = object.name?.toString();
  if (name) return htmlToText(name).slice(0, 200);
  // A Mastodon-style Note that starts a thread: its first line is the
  // title, without the mentions of the group that lead it.
  const first = text.split("\n").find((l) => l.trim() !== "")?.trim()
    .replace(/^(@[\w.-]+(@[\w.:-]+)?\s*)+/, "") ?? "";
  return first.length > 100 ? `${first.slice(0, 99)}…` : first || "(untitled)";
}

export interface StoredPost {
  post: Post;
  created: boolean;
  group: Actor;
  /** What pre-moderation and the crisis check made of a new post. */
  screening?: Screening;
}

/**
 * Stores `object` (already fetched from its origin).  Unknown parents are
 * fetched from their origins first (FEP-f228 backfill).  Returns null when
 * the object belongs to no known group.
 */
export async function storeRemotePost(
  ctx: Context<ContextData>,
  object: PostObject,
  options: { sender: URL; viaGroup?: Actor; depth?: number; activity?: Addressed & { id: URL | null } },
): Promise<StoredPost | null> {
  const id = object.id;
  const authorId = object.attributionId;
  if (!id || !authorId) throw new RefusedError("post without id or author");
  if (authorId.href !== options.sender.href) {
    throw new RefusedError(`post ${id.href} is attributed to ${authorId.href}, not to ${options.sender.href}`);
  }
  if (id.origin !== authorId.origin) {
    throw new RefusedError(`post ${id.href} is not on its author's server`);
  }
  const known = await findPostByUri(ctx.data.db, id.href);
  if (known) {
    return { post: known, created: false, group: (await findActorById(ctx.data.db, known.group_id))! };
  }

  let parent: Post | undefined;
  const parentId = object.replyTargetId;
  if (parentId) {
    parent = await findPostByUri(ctx.data.db, parentId.href);
    if (!parent) parent = (await backfill(ctx, parentId, options))?.post;
    if (!parent) return null;
  }
  let group: Actor | undefined;
  if (parent) {
    group = await findActorById(ctx.data.db, parent.group_id);
  } else {
    group = await findGroupFor(ctx, object, options.viaGroup);
  }
  if (!group) return null;
  // A group passes on what it takes in to all its followers: the post must
  // be addressed to exactly that audience (federation/audience.ts).
  requireAudience(group, object, options.activity);
  if (group.local && !parent && group.posting_restricted_to_mods) {
    // Remote moderators come with moderation (issue #5); until then only
    // local moderators, through the API, start threads in such a group.
    throw new RefusedError(`only moderators start threads in ${group.uri}`);
  }
  // Only now: a post for no group we know stores (and fetches) nothing.
  const author = await resolveActor(ctx, authorId);
  if (author.blocked_at) throw new RefusedError(`${author.uri} is blocked on this instance`);
  if (await findActiveBan(ctx.data.db, group.id, author.id)) {
    throw new RefusedError(`${author.uri} is banned from ${group.uri}`);
  }
  // A local private group takes posts only from its approved members on partner servers.
  if (!(await mayContribute(ctx.data.db, author, group))) {
    throw new RefusedError(`${author.uri} is not an approved member on a partner server of private group ${group.uri}`);
  }

  let html = sanitizeHtml(object.content?.toString() ?? "");
  // `reject_media` servers: their images and attachment links are dropped
  // (attached images are kept as links only, never downloaded).
  const noMedia = await rejectsMedia(ctx.data.db, author.uri);
  if (noMedia) html = stripMedia(html);
  const images = noMedia ? [] : await remoteImages(object);
  const text = htmlToText(html);
  const source = object.source?.mediaType === "text/markdown" ? object.source.content?.toString() ?? null : null;
  const title = parent ? null : titleFrom(object, text);
  const screening = await screenPost(ctx.data.db, group, author.id, { title, text: source ?? text, html });
  if (screening.action === "reject") {
    throw new RefusedError(`${group.uri} does not accept ${id.href}: ${screening.reasons.join("; ")}`);
  }
  const poll = object instanceof Question && !parent ? await pollOf(object) : null;
  const { post, created } = await ctx.data.db.transaction().execute(async (trx) => {
    const stored = await insertPost(trx, {
      uri: id.href,
      group_id: group.id,
      author_id: author.id,
      parent_id: parent?.id ?? null,
      thread_id: parent ? (parent.thread_id ?? parent.id) : null,
      depth: parent ? parent.depth + 1 : 0,
      title,
      content_html: html,
      source,
      summary: object.summary ? htmlToText(object.summary.toString()).slice(0, 500) : null,
      sensitive: object.sensitive ?? false,
      url: object.url instanceof URL ? object.url.href : id.href,
      context_uri: object.contextIds[0]?.href ?? null,
      local: false,
      published_at: object.published ? new Date(object.published.epochMilliseconds) : new Date(),
      ...(screening.action === "hold" ? { review_state: "held" as const, review_reason: screening.reasons.join("; ") } : {}),
    });
    if (poll && stored.created) await storeRemotePoll(trx, stored.post.id, poll);
    if (stored.created) await insertImages(trx, stored.post.id, author.id, images);
    return stored;
  });
  if (created) await afterScreening(ctx.data.db, group, post, screening);
  if (created) await notifyMentions(ctx.data.db, post.id, author.id, await mentionedUris(object));
  return { post, created, group, screening };
}

const MAX_REMOTE_IMAGES = 4;

/**
 * The images attached to a remote post (`attachment`: `Image`, or a
 * `Document` / `Link` with an image media type), as links with their alt
 * text (`name`): never fetched, so a page never loads anything from
 * another server.
 */
async function remoteImages(object: PostObject): Promise<RemoteImage[]> {
  const images: RemoteImage[] = [];
  for await (const item of object.getAttachments({ suppressError: true })) {
    if (images.length >= MAX_REMOTE_IMAGES) break;
    let url: URL | null | undefined;
    let mediaType: string | null | undefined;
    let alt = "";
    let width: number | null = null;
    let height: number | null = null;
    if (item instanceof Link) {
      url = item.href;
      mediaType = item.mediaType;
      alt = item.name?.toString() ?? "";
    } else if (item instanceof Document) {
      const u = item.url;
      url = u instanceof URL ? u : u instanceof Link ? u.href : null;
      mediaType = item.mediaType ?? (item instanceof Image ? "image/*" : null);
      alt = item.name?.toString() ?? "";
      width = dimension(item.width);
      height = dimension(item.height);
    }
    if (!url || !/^https?:$/.test(url.protocol) || !mediaType?.startsWith("image/")) continue;
    images.push({ url: url.href, contentType: mediaType.slice(0, 100), alt: htmlToText(alt).slice(0, 1500), width, height });
  }
  return images;
}

/** Whom a post mentions (`Mention` tags), for local members' notifications. */
async function mentionedUris(object: PostObject): Promise<string[]> {
  const uris: string[] = [];
  for await (const tag of object.getTags({ suppressError: true })) {
    if (tag instanceof Mention && tag.href) uris.push(tag.href.href);
  }
  return uris;
}

/** Fetches a missing parent from its origin and stores it (and its own parents). */
async function backfill(
  ctx: Context<ContextData>,
  uri: URL,
  options: { viaGroup?: Actor; depth?: number },
): Promise<StoredPost | null> {
  const depth = (options.depth ?? 0) + 1;
  if (depth > MAX_BACKFILL_DEPTH) return null;
  const documentLoader = await signedLoader(ctx);
  const fetched = await ctx.lookupObject(uri, { documentLoader }).catch(() => null);
  if (!isPostObject(fetched) || fetched.id?.href !== uri.href || !fetched.attributionId) return null;
  const stored = await storeRemotePost(ctx, fetched, {
    sender: fetched.attributionId,
    viaGroup: options.viaGroup,
    depth,
  });
  // Reached an unknown thread's root: take in the rest of the thread too.
  if (stored?.created && !fetched.replyTargetId) await backfillContext(ctx, fetched, options.viaGroup);
  return stored;
}

const MAX_CONTEXT_ITEMS = 1000;

/**
 * FEP-7888 / FEP-f228: the posts of a thread's `context` collection, root
 * first.  An item from another server than the collection's is fetched
 * from its own origin; failures skip the item, never the thread.
 */
async function backfillContext(ctx: Context<ContextData>, root: PostObject, viaGroup?: Actor): Promise<void> {
  const contextId = root.contextIds[0];
  if (!contextId) return;
  const documentLoader = await signedLoader(ctx);
  const collection = await ctx.lookupObject(contextId, { documentLoader }).catch(() => null);
  if (!(collection instanceof Collection)) return;
  let seen = 0;
  try {
    for await (const entry of ctx.traverseCollection(collection, { documentLoader, suppressError: true })) {
      if (++seen > MAX_CONTEXT_ITEMS) break;
      let item: unknown = entry;
      if (entry instanceof Link || (entry.id && entry.id.origin !== contextId.origin)) {
        const id = entry instanceof Link ? entry.href : entry.id;
        item = id ? await ctx.lookupObject(id, { documentLoader }).catch(() => null) : null;
      }
      if (!isPostObject(item) || !item.id || !item.attributionId) continue;
      if (await findPostByUri(ctx.data.db, item.id.href)) continue;
      await storeRemotePost(ctx, item, { sender: item.attributionId, viaGroup, depth: MAX_BACKFILL_DEPTH - 1 })
        .catch((error) => logger.debug("Skipped {id} of {context}: {error}", { id: item.id?.href, context: contextId.href, error }));
    }
  } catch (error) {
    logger.info("Could not read the context {context}: {error}", { context: contextId.href, error });
  }
}
