/**
 * Long threads come in pages (db/thread-pages.ts): the web page and the JSON
 * API show the thread and one page of replies, with links to the pages next
 * to it, and a reply's own address lands on the page that holds it.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { THREAD_PAGE_SIZE } from "../db/thread-pages.ts";
import { api, apiOk, createLocalGroup, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

const REPLIES = 2 * THREAD_PAGE_SIZE + 100;

let instance: TestInstance;
let ada: Member;
let threadId: number;
let shortThreadId: number;
let otherReply: number;
/** The thread's reply ids in page order, read from the database. */
let order: number[];

async function addReplies(thread: number, count: number, authorUri: string) {
  const db = instance.kindred.database.db;
  // Pairs of replies share a timestamp (the id breaks the tie), and the
  // timestamps have microseconds, which a JavaScript Date would lose.
  await sql`
    insert into posts (uri, group_id, author_id, parent_id, thread_id, depth, content_html, local, published_at)
    select ${`${instance.url.origin}/test-replies/${thread}/`} || i, t.group_id, a.id, t.id, t.id, 1,
           '<p>Reply number ' || i || '</p>', false,
           timestamptz '2026-01-01 00:00:00.000001+00' + (i / 2) * interval '1.000007 second'
    from generate_series(1, ${count}) as i, posts t, actors a
    where t.id = ${thread} and a.uri = ${authorUri}`.execute(db);
}

async function page(path: string): Promise<{ status: number; html: string; ids: number[] }> {
  const res = await fetch(new URL(path, instance.url));
  const html = await res.text();
  const ids = [...html.matchAll(/<article[^>]* id="post-(\d+)"/g)].map((m) => Number(m[1]));
  return { status: res.status, html, ids };
}

const link = (html: string, rel: string) => {
  const m = html.match(new RegExp(`<a href="([^"]+)" rel="${rel}">`));
  return m ? m[1].replaceAll("&amp;", "&") : undefined;
};

beforeAll(async () => {
  instance = await startInstance();
  await createLocalGroup(instance, { slug: "long-covid", name: "Long Covid", description: "Support." });
  ada = await createMember(instance, "ada");
  const { group } = await apiOk(ada, "POST", "/groups/follow", { handle: new URL("/@long-covid", instance.url).href });
  threadId = (await apiOk(ada, "POST", `/groups/${group.id}/threads`, { title: "Sleep", body: "How do you sleep?" })).post.id;
  shortThreadId = (await apiOk(ada, "POST", `/groups/${group.id}/threads`, { title: "Pacing", body: "Pacing?" })).post.id;
  await addReplies(threadId, REPLIES, ada.uri);
  await addReplies(shortThreadId, 300, ada.uri);
  const db = instance.kindred.database.db;
  order = (await db.selectFrom("posts").select("id").where("thread_id", "=", threadId)
    .orderBy("published_at").orderBy("id").execute()).map((r) => r.id);
  otherReply = (await db.selectFrom("posts").select("id").where("thread_id", "=", shortThreadId)
    .executeTakeFirstOrThrow()).id;
  // A reply on the second page answers one on the first.
  await db.updateTable("posts").set({ parent_id: order[10], depth: 2 }).where("id", "=", order[THREAD_PAGE_SIZE + 50])
    .execute();
}, 120_000);

afterAll(async () => {
  await instance?.stop();
});

describe("the thread page", () => {
  it("shows one page of replies at a time, with links to the next and previous pages", async () => {
    const first = await page(`/p/${threadId}`);
    expect(first.status).toBe(200);
    expect(first.ids).toEqual([threadId, ...order.slice(0, THREAD_PAGE_SIZE)]);
    expect(first.html).toContain("Page 1 of 3");
    expect(link(first.html, "prev")).toBeUndefined();

    const second = await page(link(first.html, "next")!);
    // The page order, nested replies set aside (the moved reply hangs from the thread here).
    expect([...second.ids].sort((a, b) => a - b)).toEqual(
      [threadId, ...order.slice(THREAD_PAGE_SIZE, 2 * THREAD_PAGE_SIZE)].sort((a, b) => a - b),
    );
    expect(second.html).toContain("Page 2 of 3");
    const third = await page(link(second.html, "next")!);
    expect(third.ids).toEqual([threadId, ...order.slice(2 * THREAD_PAGE_SIZE)]);
    expect(third.html).toContain("Page 3 of 3");
    expect(link(third.html, "next")).toBeUndefined();

    const back = await page(link(third.html, "prev")!);
    expect(back.ids).toEqual(second.ids);
    const backAgain = await page(link(back.html, "prev")!);
    expect(backAgain.ids).toEqual(first.ids);
  });

  it("lands a reply's own address on the page that holds it", async () => {
    for (const [index, pageNumber] of [[0, 1], [THREAD_PAGE_SIZE - 1, 1], [THREAD_PAGE_SIZE, 2], [2 * THREAD_PAGE_SIZE + 7, 3]]) {
      const p = await page(`/p/${order[index]}`);
      expect(p.status).toBe(200);
      expect(p.ids).toContain(order[index]);
      expect(p.html).toContain(`Page ${pageNumber} of 3`);
      expect(p.ids.length).toBe(1 + Math.min(THREAD_PAGE_SIZE, REPLIES - (pageNumber - 1) * THREAD_PAGE_SIZE));
    }
  });

  it("links a reply whose parent is on another page to it", async () => {
    const moved = order[THREAD_PAGE_SIZE + 50];
    const p = await page(`/p/${moved}`);
    const article = p.html.slice(p.html.indexOf(`id="post-${moved}"`));
    expect(article.slice(0, 600)).toContain(`href="/p/${order[10]}#post-${order[10]}"`);
    // …and on the parent's page it is not shown.
    expect((await page(`/p/${order[10]}`)).ids).not.toContain(moved);
  });

  it("keeps a 300-reply thread on one page", async () => {
    const p = await page(`/p/${shortThreadId}`);
    expect(p.ids.length).toBe(301);
    expect(p.html).not.toContain("Pages of replies");
  });

  it("refuses a page next to something that is not one of the thread's replies", async () => {
    expect((await page(`/p/${threadId}?after=abc`)).status).toBe(404);
    expect((await page(`/p/${threadId}?after=${otherReply}`)).status).toBe(404);
    expect((await page(`/p/${threadId}?before=999999999`)).status).toBe(404);
  });
});

describe("the API's thread", () => {
  it("gives one page of replies and the addresses of the next and previous pages", async () => {
    const first = await apiOk(ada, "GET", `/posts/${threadId}`);
    expect(first.thread.map((p: { id: number }) => p.id)).toEqual([threadId, ...order.slice(0, THREAD_PAGE_SIZE)]);
    expect(first.page).toMatchObject({ page: 1, pages: 3, previous: null });
    const next = new URL(first.page.next);
    const second = await apiOk(ada, "GET", `/posts/${threadId}${next.search}`);
    expect(second.thread.map((p: { id: number }) => p.id))
      .toEqual([threadId, ...order.slice(THREAD_PAGE_SIZE, 2 * THREAD_PAGE_SIZE)]);
    const previous = new URL(second.page.previous);
    const again = await apiOk(ada, "GET", `/posts/${threadId}${previous.search}`);
    expect(again.thread).toEqual(first.thread);
  });

  it("answers a reply's id with the page that holds it", async () => {
    const reply = order[2 * THREAD_PAGE_SIZE + 3];
    const { thread, page } = await apiOk(ada, "GET", `/posts/${reply}`);
    expect(page).toMatchObject({ page: 3, pages: 3, next: null });
    expect(thread.map((p: { id: number }) => p.id)).toEqual([threadId, ...order.slice(2 * THREAD_PAGE_SIZE)]);
  });

  it("refuses a bad page with a clear error", async () => {
    const bad = await api(ada, "GET", `/posts/${threadId}?after=abc`);
    expect(bad.status).toBe(422);
    expect(bad.json.error).toMatch(/reply's id/);
    expect((await api(ada, "GET", `/posts/${threadId}?after=${otherReply}`)).status).toBe(404);
  });

  it("keeps a 300-reply thread on one page", async () => {
    const { thread, page } = await apiOk(ada, "GET", `/posts/${shortThreadId}`);
    expect(thread.length).toBe(301);
    expect(page).toEqual({ page: 1, pages: 1, previous: null, next: null });
  });
});
