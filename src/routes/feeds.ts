/**
 * Atom and RSS feeds of public groups hosted here and of their threads
 * (issue 9, item 6): `/@slug/feed.atom`, `/@slug/feed.rss`,
 * `/p/N/feed.atom`, `/p/N/feed.rss` (N: the thread's first post).  Private
 * and local-only groups, and groups on other servers, have none (404).
 * Served before the session middleware: a feed is the same for everyone and
 * sets no cookie.
 */
import { Hono } from "hono";
import { findActorById, findGroupActor } from "../../db/actors.ts";
import { type FeedItem, feedTouchedAt, listFeedReplies, listFeedThreads } from "../../db/feeds.ts";
import { findGroupBySlug } from "../../db/groups.ts";
import { findPostById } from "../../db/posts.ts";
import type { Actor, Post } from "../../db/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { authorLabel, entryHtml, type Feed, FEED_SIZE, FEED_TYPES, type FeedEntry, type FeedFormat, feedEtag, notModified, renderAtom, renderRss } from "../feeds.ts";
import { groupPath, postPath } from "../pages/page-info.ts";
import { type C, positiveInt } from "./web-common.ts";

/** How long readers and caches may keep a feed: as a public group's images. */
const MAX_AGE = 300;

/** Whether a group has feeds: hosted here, public, not deleted. */
export function hasFeeds(group: Pick<Actor, "local" | "visibility" | "deleted_at">): boolean {
  return group.local && group.visibility === "public" && group.deleted_at == null;
}

/** The `<link rel="alternate">`s of a page (none for a group without feeds). */
export function feedLinks(group: Actor, title: string, base: string): { href: string; type: string; title: string }[] {
  if (!hasFeeds(group)) return [];
  return [
    { href: `${base}/feed.atom`, type: FEED_TYPES.atom, title: `${title} (Atom)` },
    { href: `${base}/feed.rss`, type: FEED_TYPES.rss, title: `${title} (RSS)` },
  ];
}

function entry(item: FeedItem, link: string, title: string): FeedEntry {
  return {
    id: item.uri,
    title,
    link,
    published: item.published_at,
    updated: item.updated_at ?? item.published_at,
    author: authorLabel(item),
    authorUri: item.author_uri,
    html: entryHtml(item, link),
  };
}

function newest(...times: (Date | null | undefined)[]): Date {
  return new Date(Math.max(...times.filter((t): t is Date => t != null).map((t) => new Date(t).getTime())));
}

async function groupFeed(c: C, group: Actor, format: FeedFormat): Promise<Feed> {
  const { db, origin, instanceName } = c.var.kindred;
  const items = await listFeedThreads(db, group.id, FEED_SIZE);
  const name = group.name ?? group.username;
  return {
    self: new URL(`${groupPath(group)}/feed.${format}`, origin).href,
    link: new URL(groupPath(group), origin).href,
    title: name,
    subtitle: `Newest threads in ${name} on ${instanceName}`,
    updated: newest(group.created_at, await feedTouchedAt(db, group.id), ...items.map((i) => i.updated_at ?? i.published_at)),
    entries: items.map((i) => entry(i, new URL(postPath(i), origin).href, i.title ?? "Untitled thread")),
  };
}

async function threadFeed(c: C, group: Actor, thread: Post, format: FeedFormat): Promise<Feed> {
  const { db, origin, instanceName } = c.var.kindred;
  const items = await listFeedReplies(db, thread.id, FEED_SIZE);
  const title = thread.title ?? "Untitled thread";
  const threadUrl = new URL(postPath(thread), origin).href;
  return {
    self: new URL(`/p/${thread.id}/feed.${format}`, origin).href,
    link: threadUrl,
    title: `${title} · ${group.name ?? group.username}`,
    subtitle: `Newest replies to “${title}” on ${instanceName}`,
    updated: newest(thread.updated_at, thread.published_at, await feedTouchedAt(db, group.id),
      ...items.map((i) => i.updated_at ?? i.published_at)),
    entries: items.map((i) =>
      entry(i, new URL(`/p/${thread.id}#post-${i.id}`, origin).href, `Reply by ${authorLabel(i)} to “${title}”`)
    ),
  };
}

/** The feed, or 304 when the reader's copy is current. */
function serve(c: C, feed: Feed, format: FeedFormat): Response {
  const body = format === "atom" ? renderAtom(feed) : renderRss(feed);
  const etag = feedEtag(body);
  const headers: Record<string, string> = {
    "ETag": etag,
    "Last-Modified": feed.updated.toUTCString(),
    "Cache-Control": `public, max-age=${MAX_AGE}`,
  };
  // Search engines follow INDEX_PUBLIC_GROUPS, as on the group's pages.
  if (!c.var.kindred.indexPublicGroups) headers["X-Robots-Tag"] = "noindex";
  if (notModified(etag, feed.updated, c.req.header("if-none-match"), c.req.header("if-modified-since"))) {
    return c.body(null, 304, headers);
  }
  return c.body(body, 200, { ...headers, "Content-Type": `${FEED_TYPES[format]}; charset=utf-8` });
}

export function feedRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/:name{@[a-z0-9][a-z0-9_-]*}/:file{feed\\.atom|feed\\.rss}", async (c) => {
    const { db } = c.var.kindred;
    const format = c.req.param("file").slice(5) as FeedFormat;
    const group = await findGroupBySlug(db, c.req.param("name").slice(1));
    const actor = group && await findGroupActor(db, group.id);
    if (!actor || !hasFeeds(actor)) return c.notFound();
    return serve(c, await groupFeed(c, actor, format), format);
  });

  app.get("/p/:id{[0-9]+}/:file{feed\\.atom|feed\\.rss}", async (c) => {
    const { db } = c.var.kindred;
    const format = c.req.param("file").slice(5) as FeedFormat;
    const id = positiveInt(c.req.param("id"));
    const thread = id ? await findPostById(db, id) : undefined;
    if (!thread || thread.parent_id != null || thread.deleted_at || thread.removed_at || thread.review_state !== "published") {
      return c.notFound();
    }
    const group = await findActorById(db, thread.group_id);
    if (!group || !hasFeeds(group)) return c.notFound();
    const author = await findActorById(db, thread.author_id);
    if (!author || author.blocked_at) return c.notFound();
    return serve(c, await threadFeed(c, group, thread, format), format);
  });

  return app;
}
