/**
 * The community-manager dashboard and the moderation log on seeded data
 * with known answers (real database; the dashboard's clock pinned), and
 * their pages: who may see them, and what they show and hide.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findActorByUri } from "../db/actors.ts";
import { firstReplyMedian, groupDashboard, unansweredThreads, weeklyActivity } from "../db/dashboard.ts";
import { logModeration } from "../db/moderation-log.ts";
import { insertPost } from "../db/posts.ts";
import type { Actor, Post } from "../db/schema.ts";
import { formatDuration } from "../src/pages/dashboard.tsx";
import { createLocalGroup, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

const NOW = new Date("2026-06-10T12:00:00Z"); // a Wednesday; its week starts on Monday 8 June
let instance: TestInstance;
let group: Actor;
const actors: Record<string, Actor> = {};
const posts: Record<string, Post> = {};
let counter = 0;

async function post(name: string, author: string, at: string, parent?: string, extra: Partial<Post> = {}) {
  const db = instance.kindred.database.db;
  const p = parent ? posts[parent] : undefined;
  const id = 100_000 + ++counter;
  const { post } = await db.transaction().execute((trx) =>
    insertPost(trx, {
      id, uri: new URL(`/posts/${id}`, instance.url).href, group_id: group.id, author_id: actors[author].id,
      parent_id: p?.id ?? null, thread_id: p ? (p.thread_id ?? p.id) : null, depth: p ? p.depth + 1 : 0,
      title: p ? null : `Thread ${name}`, content_html: `<p>${name}</p>`, local: true, published_at: new Date(at),
      ...extra,
    })
  );
  posts[name] = post;
}

beforeAll(async () => {
  instance = await startInstance();
  const db = instance.kindred.database.db;
  const members: Member[] = [];
  for (const name of ["mod-mia", "ann", "ben", "cyd", "dot"]) members.push(await createMember(instance, name));
  for (const m of members) actors[m.username] = (await findActorByUri(db, m.uri))!;
  await createLocalGroup(instance, { slug: "seeded", name: "Seeded group", owner: "mod-mia" });
  group = (await findActorByUri(db, new URL("/@seeded", instance.url).href))!;
  const joined: [string, string][] = [["ann", "2026-06-09T08:00:00Z"], ["ben", "2026-06-02T08:00:00Z"], ["cyd", "2026-06-01T00:00:00Z"], ["dot", "2026-03-01T00:00:00Z"]];
  for (const [name, at] of joined) {
    await db.insertInto("follows").values({ follower_id: actors[name].id, followee_id: group.id, state: "accepted", created_at: new Date(at) }).execute();
  }
  await post("T1", "ann", "2026-06-08T10:00:00Z");
  await post("T1-own", "ann", "2026-06-08T10:30:00Z", "T1"); // the author's own reply is not an answer
  await post("T1-ben", "ben", "2026-06-08T11:00:00Z", "T1"); // 1 h
  await post("T2", "ben", "2026-06-02T09:00:00Z");
  await post("T2-cyd", "cyd", "2026-06-02T12:00:00Z", "T2"); // 3 h
  await post("T3", "cyd", "2026-06-03T08:00:00Z");
  await post("T4", "ann", "2026-04-01T08:00:00Z"); // outside 30 days and 8 weeks
  await post("T5", "ben", "2026-05-20T00:00:00Z");
  await post("T5-ann", "ann", "2026-05-20T00:30:00Z", "T5"); // 30 min
  await post("T6", "dot", "2026-06-09T00:00:00Z", undefined, { deleted_at: new Date("2026-06-09T01:00:00Z"), title: null });
  const report = (state: "open" | "resolved") => ({
    group_actor_id: group.id, post_id: posts.T3.id, target_actor_id: actors.cyd.id, reporter_actor_id: actors.dot.id,
    reason: "spam" as const, state,
  });
  await db.insertInto("reports").values([report("open"), report("open"), report("resolved")]).execute();
  await logModeration(db, {
    group_actor_id: group.id, moderator_actor_id: actors["mod-mia"].id, moderator_role: "moderator",
    action: "remove_post", post_id: posts.T3.id, reason: "Off topic for this group",
  });
  await logModeration(db, {
    group_actor_id: group.id, moderator_actor_id: actors["mod-mia"].id, moderator_role: "owner",
    action: "ban", target_actor_id: actors.dot.id, reason: "Spam links",
  });
}, 120_000);
afterAll(() => instance?.stop());

describe("dashboard numbers", () => {
  it("counts new members, posts and active members per week, newest week first", async () => {
    const weeks = await weeklyActivity(instance.kindred.database.db, group.id, NOW);
    expect(weeks.map((w) => [w.week.toISOString().slice(0, 10), w.new_members, w.posts, w.active_members])).toEqual([
      ["2026-06-08", 1, 3, 2],
      ["2026-06-01", 2, 3, 2],
      ["2026-05-25", 0, 0, 0],
      ["2026-05-18", 0, 2, 2],
      ["2026-05-11", 0, 0, 0],
      ["2026-05-04", 0, 0, 0],
      ["2026-04-27", 0, 0, 0],
      ["2026-04-20", 0, 0, 0],
    ]);
  });

  it("lists unanswered threads oldest first, without deleted ones", async () => {
    const { threads, count } = await unansweredThreads(instance.kindred.database.db, group.id);
    expect(threads.map((t) => t.title)).toEqual(["Thread T4", "Thread T3"]);
    expect(count).toBe(2);
  });

  it("takes the median time to a first reply by someone else, over the last 30 days", async () => {
    const median = await firstReplyMedian(instance.kindred.database.db, group.id, NOW);
    expect(median).toEqual({ medianSeconds: 3600, threads: 3 });
    expect(formatDuration(median.medianSeconds!)).toBe("1 h");
    expect(formatDuration(1800)).toBe("30 min");
    expect(formatDuration(3 * 86400)).toBe("3 days");
  });

  it("counts open reports", async () => {
    expect((await groupDashboard(instance.kindred.database.db, group.id, NOW)).openReports).toBe(2);
  });
});

async function login(username: string): Promise<WebClient> {
  const web = new WebClient(instance);
  await web.submit("/login", "/login", { username, password: `${username} has a long password` });
  return web;
}

describe("the dashboard page", () => {
  it("is for moderators, with an accessible weekly table", async () => {
    expect((await (await login("ann")).get(`/g/${group.id}/dashboard`)).status).toBe(403);
    const page = await (await login("mod-mia")).get(`/g/${group.id}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/<strong id="unanswered-count">2<\/strong>/);
    expect(page.html).toMatch(/<strong id="open-reports">2<\/strong>/);
    expect(page.html).toContain('<table class="data" id="weekly">');
    expect(page.html).toContain('<th scope="col">Active members</th>');
    expect(page.html.indexOf("Thread T4")).toBeLessThan(page.html.indexOf("Thread T3"));
  });
});

describe("the moderation log", () => {
  it("is public, and names the moderator's role, never the moderator", async () => {
    const page = await new WebClient(instance).get(`/g/${group.id}/log`);
    expect(page.status).toBe(200);
    const t = text(page.html);
    expect(t).toContain("Remove post");
    expect(t).toContain("Off topic for this group");
    expect(t).toContain("Thread T3");
    expect(t).toContain("Ban");
    expect(t).toContain(`@dot@${instance.url.host}`);
    expect(t).toContain("owner");
    expect(page.html).not.toContain("mod-mia");
    expect(t.indexOf("Ban")).toBeLessThan(t.indexOf("Remove post"));
  });

  it("tells the affected member the action, the reason and how to reach the moderators", async () => {
    const page = await (await login("cyd")).get("/notifications");
    const t = text(page.html);
    expect(t).toContain("took an action that concerns you");
    expect(t).toContain("Remove post");
    expect(t).toContain("Reason: Off topic for this group");
    expect(page.html).toContain(`/g/${group.id}/log`);
    expect(page.html).not.toContain("mod-mia");
    // The reported member never learns of the reports, nor who sent them.
    expect(t).not.toContain("report");
    expect(page.html).not.toContain("dot");
  });
});
