/**
 * Atom and RSS feeds of public groups and threads (issue 9, item 6), over
 * real HTTP, parsed by a real XML parser (Chromium's DOMParser): hostile
 * titles and content stay well-formed and round-trip, held, removed and
 * deleted posts never appear, private and local-only groups have none, and
 * conditional GET answers 304 only while nothing changed.
 */
import { existsSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { createGroup } from "../src/groups.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);

interface ParsedEntry {
  id: string;
  title: string;
  link: string;
  content: string;
  author: string;
}
interface Parsed {
  error: string | null;
  root: string;
  title: string;
  self: string;
  entries: ParsedEntry[];
}

describe.skipIf(!hasChromium)(`feeds${hasChromium ? "" : ` (skipped: ${CHROMIUM} not found)`}`, () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  const tokens: Record<string, string> = {};
  const groupIds: Record<string, number> = {};

  const api = async (who: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(new URL(`/api/v1${path}`, instance.url), {
      method,
      headers: { Authorization: `Bearer ${tokens[who]}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  /** Parses a feed with a strict XML parser; Atom and RSS read into one shape. */
  const parse = (xml: string): Promise<Parsed> =>
    page.evaluate((source) => {
      const doc = new DOMParser().parseFromString(source, "application/xml");
      const error = doc.getElementsByTagName("parsererror")[0]?.textContent ?? null;
      const root = doc.documentElement;
      const atom = root.localName === "feed";
      const child = (el: Element, name: string) => [...el.children].find((c) => c.localName === name);
      const channel = atom ? root : child(root, "channel")!;
      const items = [...channel.children].filter((c) => c.localName === (atom ? "entry" : "item"));
      return {
        error,
        root: root.localName,
        title: child(channel, "title")?.textContent ?? "",
        self: [...channel.children].find((c) => c.localName === "link" && c.getAttribute("rel") === "self")?.getAttribute("href") ?? "",
        entries: items.map((e) => ({
          id: child(e, atom ? "id" : "guid")?.textContent ?? "",
          title: child(e, "title")?.textContent ?? "",
          link: atom ? child(e, "link")?.getAttribute("href") ?? "" : child(e, "link")?.textContent ?? "",
          content: child(e, atom ? "content" : "description")?.textContent ?? "",
          author: atom ? child(child(e, "author")!, "name")?.textContent ?? "" : child(e, "creator")?.textContent ?? "",
        })),
      };
    }, xml);

  const get = (path: string, headers: Record<string, string> = {}) => fetch(new URL(path, instance.url), { headers });

  beforeAll(async () => {
    instance = await startInstance();
    const db = instance.kindred.database.db;
    for (const username of ["owner", "pat", "newbie"]) {
      await createAccount(db, instance.url, { username, password: "a long password", displayName: username === "pat" ? "Pat <b>&amp;</b>" : username });
      const res = await fetch(new URL("/api/v1/sessions", instance.url), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username, password: "a long password" }),
      });
      tokens[username] = (await res.json()).token;
    }
    for (const [slug, visibility] of [["open-door", "public"], ["quiet", "private"], ["here-only", "local"]] as const) {
      await createGroup(db, instance.url, { slug, name: `Group ${slug}`, visibility, owner: "owner" });
      groupIds[slug] = (await api("owner", "POST", "/groups/follow", { handle: slug })).group.id;
    }
    await api("pat", "POST", "/groups/follow", { handle: "open-door" });
    await api("newbie", "POST", "/groups/follow", { handle: "open-door" });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, chromiumSandbox: false });
    page = await browser.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await instance?.stop();
  });

  let first: number, hostile: number, warned: number;
  const hostileTitle = "Tips ]]> <script>alert(1)</script> & \"quotes\" 'too'";

  it("lists a public group's newest threads, newest first, in Atom and RSS, escaped and well-formed", async () => {
    first = (await api("pat", "POST", `/groups/${groupIds["open-door"]}/threads`, { title: "First thread", body: "Hello **all**" })).post.id;
    hostile = (await api("pat", "POST", `/groups/${groupIds["open-door"]}/threads`, {
      title: hostileTitle,
      body: "Body with ]]> and <script>alert(2)</script> and a [link](https://example.org/?a=1&b=2)",
    })).post.id;
    // Control characters (a remote server could send them): dropped, never a broken document.
    await instance.kindred.database.db.updateTable("posts").set({ title: `${hostileTitle}\u0001\u0008\uFFFE` })
      .where("id", "=", hostile).execute();
    const stored = await instance.kindred.database.db.selectFrom("posts").select("content_html").where("id", "=", hostile)
      .executeTakeFirstOrThrow();
    expect(stored.content_html).not.toContain("<script");

    for (const format of ["atom", "rss"]) {
      const res = await get(`/@open-door/feed.${format}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(`application/${format}+xml; charset=utf-8`);
      const body = await res.text();
      expect(body).not.toContain("<script");
      expect(body).not.toContain("\u0001");
      const feed = await parse(body);
      expect(feed.error).toBeNull();
      expect(feed.root).toBe(format === "atom" ? "feed" : "rss");
      expect(feed.title).toBe("Group open-door");
      expect(feed.self).toBe(new URL(`/@open-door/feed.${format}`, instance.url).href);
      expect(feed.entries.map((e) => e.title)).toEqual([hostileTitle, "First thread"]);
      expect(feed.entries[0].content).toBe(stored.content_html);
      expect(feed.entries[0].author).toBe(`Pat <b>&amp;</b> (@pat@${instance.host})`);
      expect(feed.entries[1].link).toBe(new URL(`/posts/${first}`, instance.url).href);
    }
  });

  it("is linked from the group's page and the thread's page", async () => {
    const html = await (await get("/@open-door", { Accept: "text/html" })).text();
    expect(html).toContain(`<link rel="alternate" type="application/atom+xml" href="/@open-door/feed.atom"`);
    expect(html).toContain(`<link rel="alternate" type="application/rss+xml" href="/@open-door/feed.rss"`);
    const thread = await (await get(`/posts/${first}`, { Accept: "text/html" })).text();
    expect(thread).toContain(`href="/p/${first}/feed.atom"`);
  });

  it("withholds the content of a post with a content warning", async () => {
    warned = (await api("pat", "POST", `/groups/${groupIds["open-door"]}/threads`, {
      title: "Hard week",
      body: "The secret details of my hard week",
      summary: "hospital stay",
    })).post.id;
    const feed = await parse(await (await get("/@open-door/feed.atom")).text());
    const entry = feed.entries.find((e) => e.title === "Hard week")!;
    expect(entry.content).toContain("Content warning: hospital stay");
    expect(entry.content).not.toContain("secret details");
  });

  it("never lists removed, deleted or held posts", async () => {
    await api("owner", "POST", `/posts/${warned}/moderation`, { action: "remove", reason: "off topic" });
    await api("pat", "DELETE", `/posts/${first}`);
    await api("owner", "PATCH", `/groups/${groupIds["open-door"]}`, { holdFirstPosts: 1 });
    const held = await api("newbie", "POST", `/groups/${groupIds["open-door"]}/threads`, { title: "Held for review", body: "Hi" });
    expect(held.post.reviewState).toBe("held");
    for (const format of ["atom", "rss"]) {
      const feed = await parse(await (await get(`/@open-door/feed.${format}`)).text());
      expect(feed.entries.map((e) => e.title)).toEqual([hostileTitle]);
    }
    // Nor do they have a feed of their own.
    for (const id of [warned, first, held.post.id]) expect((await get(`/p/${id}/feed.atom`)).status).toBe(404);
  });

  it("lists a thread's newest replies, without removed ones", async () => {
    const reply = (await api("owner", "POST", `/posts/${hostile}/replies`, { body: "Welcome & <thanks>" })).post.id;
    const removed = (await api("pat", "POST", `/posts/${hostile}/replies`, { body: "Spam reply" })).post.id;
    await api("owner", "POST", `/posts/${removed}/moderation`, { action: "remove", reason: "spam" });
    for (const format of ["atom", "rss"]) {
      const res = await get(`/p/${hostile}/feed.${format}`);
      expect(res.status).toBe(200);
      const feed = await parse(await res.text());
      expect(feed.error).toBeNull();
      expect(feed.entries.map((e) => e.link)).toEqual([new URL(`/p/${hostile}#post-${reply}`, instance.url).href]);
      expect(feed.entries[0].content).toContain("Welcome &amp; &lt;thanks&gt;");
      expect(feed.entries[0].title).toBe(`Reply by owner (@owner@${instance.host}) to “${hostileTitle}”`);
    }
    // A reply is not a thread.
    expect((await get(`/p/${reply}/feed.atom`)).status).toBe(404);
  });

  it("answers 304 to a current copy (ETag or Last-Modified), with caching headers, and 200 once something changed", async () => {
    const res = await get("/@open-door/feed.atom");
    const etag = res.headers.get("etag")!;
    const lastModified = res.headers.get("last-modified")!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(Date.parse(lastModified)).not.toBeNaN();
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.get("x-robots-tag")).toBe("noindex");
    expect(res.headers.get("set-cookie")).toBeNull();
    const byTag = await get("/@open-door/feed.atom", { "If-None-Match": etag });
    expect(byTag.status).toBe(304);
    expect(await byTag.text()).toBe("");
    expect(byTag.headers.get("etag")).toBe(etag);
    expect((await get("/@open-door/feed.atom", { "If-None-Match": `"other", W/${etag}` })).status).toBe(304);
    expect((await get("/@open-door/feed.atom", { "If-Modified-Since": lastModified })).status).toBe(304);
    expect((await get("/@open-door/feed.atom", { "If-None-Match": '"stale"', "If-Modified-Since": lastModified })).status).toBe(200);
    // The RSS document is another representation: another tag.
    expect((await get("/@open-door/feed.rss", { "If-None-Match": etag })).status).toBe(200);

    // A removal changes no listed post's time, yet the feed changed: neither validator may say otherwise.
    await new Promise((r) => setTimeout(r, 1100));
    const newest = (await api("pat", "POST", `/groups/${groupIds["open-door"]}/threads`, { title: "Newest", body: "x" })).post.id;
    const after = await get("/@open-door/feed.atom");
    const tag2 = after.headers.get("etag")!;
    const lm2 = after.headers.get("last-modified")!;
    expect(tag2).not.toBe(etag);
    expect((await get("/@open-door/feed.atom", { "If-None-Match": etag })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    await api("owner", "POST", `/posts/${newest}/moderation`, { action: "remove", reason: "duplicate" });
    const afterRemoval = await get("/@open-door/feed.atom", { "If-Modified-Since": lm2 });
    expect(afterRemoval.status).toBe(200);
    expect((await parse(await afterRemoval.text())).entries.map((e) => e.title)).toEqual([hostileTitle]);
    expect((await get("/@open-door/feed.atom", { "If-None-Match": tag2 })).status).toBe(200);
  });

  it("private and local-only groups have no feeds and no links to any", async () => {
    for (const slug of ["quiet", "here-only"]) {
      const thread = (await api("owner", "POST", `/groups/${groupIds[slug]}/threads`, { title: `In ${slug}`, body: "members only" })).post.id;
      for (const path of [`/@${slug}/feed.atom`, `/@${slug}/feed.rss`, `/p/${thread}/feed.atom`, `/p/${thread}/feed.rss`]) {
        const res = await get(path);
        expect(res.status, path).toBe(404);
        expect(await res.text()).not.toContain("members only");
      }
    }
    const page = await (await get("/@quiet", { Accept: "text/html" })).text();
    expect(page).toContain("Group quiet");
    expect(page).not.toContain('rel="alternate"');
    expect((await get("/@nobody-here/feed.atom")).status).toBe(404);
  });

  it("lets search engines index feeds only with INDEX_PUBLIC_GROUPS", async () => {
    const indexed = await startInstance({ INDEX_PUBLIC_GROUPS: "true" });
    try {
      await createGroup(indexed.kindred.database.db, indexed.url, { slug: "listed", name: "Listed" });
      const res = await fetch(new URL("/@listed/feed.rss", indexed.url));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-robots-tag")).toBeNull();
      expect((await parse(await res.text())).entries).toEqual([]);
    } finally {
      await indexed.stop();
    }
  });
});
