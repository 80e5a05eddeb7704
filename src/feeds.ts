/**
 * Atom and RSS 2.0 documents for a public group's newest threads and a
 * public thread's newest replies (issue 9, item 6).  Everything written is
 * escaped as XML text (never CDATA), after characters XML 1.0 cannot carry
 * (control characters, lone surrogates, U+FFFE/U+FFFF) are dropped.  A post
 * with a content warning is listed with the warning and a link only: feed
 * readers show content at once, and the warning was meant to come first.
 */
import { createHash } from "node:crypto";
import type { FeedItem } from "../db/feeds.ts";
import { escapeHtmlText } from "./html-escape.ts";

export const FEED_SIZE = 50;

export type FeedFormat = "atom" | "rss";

export const FEED_TYPES: Record<FeedFormat, string> = {
  atom: "application/atom+xml",
  rss: "application/rss+xml",
};

export interface FeedEntry {
  id: string;
  title: string;
  link: string;
  published: Date;
  updated: Date;
  author: string;
  authorUri: string;
  /** Sanitised HTML, as stored. */
  html: string;
}

export interface Feed {
  /** The feed's own URL (also its Atom id). */
  self: string;
  /** The page it follows. */
  link: string;
  title: string;
  subtitle: string;
  updated: Date;
  entries: FeedEntry[];
}

// deno-lint-ignore no-control-regex
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text (or HTML source) as XML character data or an attribute value. */
export function xmlEscape(value: string): string {
  return value.replace(NOT_XML, "").replace(/[&<>"']/g, (ch) =>
    ch === "&" ? "&amp;" : ch === "<" ? "&lt;" : ch === ">" ? "&gt;" : ch === '"' ? "&quot;" : "&apos;"
  );
}

/** Author as shown on the pages: display name and full handle. */
export function authorLabel(item: FeedItem): string {
  const handle = `@${item.author_username}@${item.author_host}`;
  return item.author_name ? `${item.author_name} (${handle})` : handle;
}

/** The HTML a feed carries for a post: the stored HTML, or its content warning and a link. */
export function entryHtml(item: FeedItem, link: string): string {
  const warning = item.summary?.trim();
  if (!warning && !item.sensitive) return item.content_html;
  return `<p>Content warning: ${escapeHtmlText(warning || "sensitive")}</p>` +
    `<p><a href="${escapeHtmlText(link)}">Read it on the group's page</a></p>`;
}

export function renderAtom(feed: Feed): string {
  const e = xmlEscape;
  const entries = feed.entries.map((entry) =>
    `<entry><id>${e(entry.id)}</id><title type="text">${e(entry.title)}</title>` +
    `<link rel="alternate" type="text/html" href="${e(entry.link)}"/>` +
    `<published>${entry.published.toISOString()}</published><updated>${entry.updated.toISOString()}</updated>` +
    `<author><name>${e(entry.author)}</name><uri>${e(entry.authorUri)}</uri></author>` +
    `<content type="html">${e(entry.html)}</content></entry>\n`
  ).join("");
  return `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n` +
    `<id>${e(feed.self)}</id><title type="text">${e(feed.title)}</title><subtitle type="text">${e(feed.subtitle)}</subtitle>\n` +
    `<updated>${feed.updated.toISOString()}</updated><generator>Kindred</generator>\n` +
    `<link rel="self" type="${FEED_TYPES.atom}" href="${e(feed.self)}"/>` +
    `<link rel="alternate" type="text/html" href="${e(feed.link)}"/>\n` +
    entries + `</feed>\n`;
}

export function renderRss(feed: Feed): string {
  const e = xmlEscape;
  const items = feed.entries.map((entry) =>
    `<item><title>${e(entry.title)}</title><link>${e(entry.link)}</link>` +
    `<guid isPermaLink="false">${e(entry.id)}</guid><pubDate>${entry.published.toUTCString()}</pubDate>` +
    `<dc:creator>${e(entry.author)}</dc:creator><description>${e(entry.html)}</description></item>\n`
  ).join("");
  return `<?xml version="1.0" encoding="utf-8"?>\n` +
    `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>` +
    `<title>${e(feed.title)}</title><link>${e(feed.link)}</link><description>${e(feed.subtitle)}</description>\n` +
    `<lastBuildDate>${feed.updated.toUTCString()}</lastBuildDate><generator>Kindred</generator>` +
    `<atom:link rel="self" type="${FEED_TYPES.rss}" href="${e(feed.self)}"/>\n` +
    items + `</channel>\n</rss>\n`;
}

/** A strong validator over the exact bytes served. */
export function feedEtag(body: string): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
}

/**
 * Whether the client's copy is current (RFC 9110, 13.1): If-None-Match wins
 * when sent; otherwise If-Modified-Since against Last-Modified (whole seconds).
 */
export function notModified(etag: string, lastModified: Date, ifNoneMatch?: string, ifModifiedSince?: string): boolean {
  if (ifNoneMatch != null) {
    const tags = ifNoneMatch.split(",").map((t) => t.trim().replace(/^W\//, ""));
    return tags.includes("*") || tags.includes(etag);
  }
  if (ifModifiedSince == null) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}
