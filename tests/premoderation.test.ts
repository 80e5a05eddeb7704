/**
 * Pre-moderation across three live instances: a group on A reviews the
 * first posts of new members and applies keyword / link rules, from the web
 * pages and the API; a held post reaches other instances only once a
 * moderator approves it, and a rejected one never does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { logIn } from "../src/auth.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance, c: TestInstance;
let mod: Member, newcomer: Member, bob: Member, carol: Member;
const groupIds = new Map<Member, number>();
let groupUri: string;
let modWeb: WebClient;

async function threadTitles(member: Member): Promise<string[]> {
  const { threads } = await apiOk(member, "GET", `/groups/${groupIds.get(member)}/threads`);
  return threads.map((t: any) => t.title);
}

beforeAll(async () => {
  [a, b, c] = await Promise.all([startInstance(), startInstance(), startInstance()]);
  const db = a.kindred.database.db;
  await createAccount(db, a.url, { username: "mona", password: "mona has a long password" });
  await createLocalGroup(a, { slug: "lymphoma", name: "Lymphoma support", owner: "mona" });
  groupUri = new URL("/@lymphoma", a.url).href;
  mod = { instance: a, username: "mona", token: (await logIn(db, "mona", "mona has a long password"))!, uri: new URL("/@mona", a.url).href };
  [newcomer, bob, carol] = await Promise.all([createMember(a, "nadia"), createMember(b, "bob"), createMember(c, "carol")]);
  for (const m of [mod, newcomer]) groupIds.set(m, (await apiOk(m, "POST", "/groups/follow", { handle: "lymphoma" })).group.id);
  for (const m of [bob, carol]) groupIds.set(m, (await apiOk(m, "POST", "/groups/follow", { handle: groupUri })).group.id);
  await waitForQueues([a, b, c]);
  modWeb = new WebClient(a);
  const login = await modWeb.submit("/login", "/login", { username: "mona", password: "mona has a long password" });
  expect(login.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b, c].filter(Boolean).map((i) => i.stop()));
});

describe("pre-moderation", () => {
  it("lets a moderator set the rules text and review of newcomers on the settings page", async () => {
    const gid = groupIds.get(mod)!;
    const page = await modWeb.submit(`/g/${gid}/settings/moderation`, `/g/${gid}/settings/moderation`, {
      rules: "1. Be kind.\n2. No selling of **cures**.",
      holdFirstPosts: "1",
    });
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain("Saved.");
    const group = await modWeb.get("/@lymphoma");
    expect(group.html).toContain("Group rules");
    expect(group.html).toContain("<strong>cures</strong>");
    expect(group.html).toContain(`/g/${gid}/held`);
    // Members who are not moderators see neither the links nor the pages.
    const visitor = new WebClient(a);
    expect((await visitor.get("/@lymphoma")).html).not.toContain(`/g/${gid}/held`);
    const nadia = new WebClient(a);
    await nadia.submit("/login", "/login", { username: "nadia", password: "nadia has a long password" });
    expect((await nadia.get(`/g/${gid}/settings/moderation`)).status).toBe(403);
    expect((await nadia.get(`/g/${gid}/held`)).status).toBe(403);
  });

  it("refuses a settings value out of range with a clear error and keeps the old one", async () => {
    const gid = groupIds.get(mod)!;
    const page = await modWeb.submit(`/g/${gid}/settings/moderation`, `/g/${gid}/settings/moderation`, {
      rules: "changed",
      holdFirstPosts: "-3",
    });
    expect(page.status).toBe(422);
    expect(text(page.html)).toContain("whole number from 0 to 100");
    const settings = await apiOk(mod, "GET", `/groups/${gid}/moderation-settings`);
    expect(settings.holdFirstPosts).toBe(1);
    expect(settings.rules).toContain("Be kind");
  });

  it("holds a newcomer's first thread: the author is told, nobody else sees it, other instances get nothing", async () => {
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "nadia", password: "nadia has a long password" });
    const gid = groupIds.get(newcomer)!;
    const page = await web.submit(`/g/${gid}/new`, `/g/${gid}/new`, {
      title: "Hello from a new member",
      body: "I was diagnosed last month and wanted to say hello.",
    });
    expect(page.status).toBe(200);
    expect(page.url.search).toContain("held=1");
    expect(text(page.html)).toContain("waiting for review");
    expect(text(page.html)).toContain("Awaiting review");
    const path = page.url.pathname;
    expect((await new WebClient(a).get(path)).status).toBe(404);
    // Its ActivityPub object is not served either.
    const ap = await fetch(new URL(path, a.url), { headers: { Accept: "application/activity+json" } });
    expect(ap.status).toBe(404);
    expect(await threadTitles(mod)).not.toContain("Hello from a new member");
    await waitForQueues([a, b, c]);
    expect(await threadTitles(bob)).not.toContain("Hello from a new member");
    // The moderator is told and sees it in the queue.
    const held = await modWeb.get(`/g/${groupIds.get(mod)}/held`);
    expect(text(held.html)).toContain("Hello from a new member");
    expect(text(held.html)).toContain("the first post of a new member is reviewed");
    const notes = await modWeb.get("/notifications");
    expect(text(notes.html)).toContain("awaits review");
  });

  it("publishes the held thread when a moderator approves it, everywhere, and tells its author", async () => {
    const { held } = await apiOk(mod, "GET", `/groups/${groupIds.get(mod)}/held`);
    expect(held).toHaveLength(1);
    const page = await modWeb.get(`/g/${groupIds.get(mod)}/held`);
    const done = await modWeb.post(`/p/${held[0].id}/review`, { decision: "approve", reason: "" }, page.html);
    expect(done.status).toBe(200);
    expect(text(done.html)).toContain("Nothing is waiting for review");
    await waitForQueues([a, b, c]);
    for (const m of [mod, bob, carol]) expect(await threadTitles(m)).toContain("Hello from a new member");
    const { json } = await api(newcomer, "GET", `/posts/${held[0].id}`);
    expect(json.thread[0].reviewState).toBe("published");
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "nadia", password: "nadia has a long password" });
    expect(text((await web.get("/notifications")).html)).toContain("approved your post");
    // A second decision on the same post is refused, not repeated.
    const again = await api(mod, "POST", `/posts/${held[0].id}/review`, { decision: "reject" });
    expect(again.status).toBe(422);
  });

  it("publishes the newcomer's next post at once (only the first N are held)", async () => {
    const { post } = await apiOk(newcomer, "POST", `/groups/${groupIds.get(newcomer)}/threads`, {
      title: "Second post",
      body: "Thanks for the welcome.",
    });
    expect(post.reviewState).toBe("published");
  });

  it("rejects a post by keyword with the reason, storing nothing; the author can edit and post again", async () => {
    const gid = groupIds.get(mod)!;
    const bad = await api(mod, "POST", `/groups/${gid}/premod-rules`, { kind: "link_domain", pattern: "not a domain", action: "hold" });
    expect(bad.status).toBe(422);
    expect(bad.json.error).toMatch(/domain/i);
    const rule = await apiOk(mod, "POST", `/groups/${gid}/premod-rules`, { kind: "keyword", pattern: "miracle cure", action: "reject" });
    expect(rule.rule.kind).toBe("keyword");
    const before = await threadTitles(mod);
    const res = await api(newcomer, "POST", `/groups/${groupIds.get(newcomer)}/threads`, {
      title: "Found it",
      body: "This Miracle  Cure worked for my aunt, you should all try it.",
    });
    expect(res.status).toBe(422);
    expect(res.json.error).toContain("miracle cure");
    expect(await threadTitles(mod)).toEqual(before);
    const fine = await api(newcomer, "POST", `/groups/${groupIds.get(newcomer)}/threads`, {
      title: "Found it",
      body: "A treatment helped my aunt; her oncologist suggested it.",
    });
    expect(fine.status).toBe(201);
  });

  it("holds a remote member's post with a listed link, and a rejection keeps it from everyone", async () => {
    const gid = groupIds.get(mod)!;
    await apiOk(mod, "POST", `/groups/${gid}/premod-rules`, { kind: "link_domain", pattern: "cure-shop.example", action: "hold" });
    // Bob is a remote member: his first post would be held anyway, so publish one first.
    await apiOk(mod, "PATCH", `/groups/${gid}/moderation-settings`, { holdFirstPosts: 0 });
    const { post } = await apiOk(bob, "POST", `/groups/${groupIds.get(bob)}/threads`, {
      title: "Supplements",
      body: "I buy mine at https://www.cure-shop.example/deals, cheap.",
    });
    await waitForQueues([a, b, c]);
    const { held } = await apiOk(mod, "GET", `/groups/${gid}/held`);
    const mine = held.find((h: any) => h.uri === post.uri);
    expect(mine, "held on the group's instance").toBeDefined();
    expect(mine.reason).toContain("cure-shop.example");
    expect(await threadTitles(carol)).not.toContain("Supplements");
    await apiOk(mod, "POST", `/posts/${mine.id}/review`, { decision: "reject", reason: "No shops, please." });
    await waitForQueues([a, b, c]);
    expect(await threadTitles(carol)).not.toContain("Supplements");
    expect(await threadTitles(mod)).not.toContain("Supplements");
    const log = await a.kindred.database.db.selectFrom("moderation_log").select(["action", "reason", "moderator_role"])
      .where("post_id", "=", mine.id).execute();
    expect(log).toEqual([{ action: "reject_post", reason: "No shops, please.", moderator_role: "owner" }]);
  });

  it("passes a held remote post on, unchanged, when it is approved", async () => {
    const { post } = await apiOk(bob, "POST", `/groups/${groupIds.get(bob)}/threads`, {
      title: "Where to buy",
      body: "Someone asked: https://cure-shop.example is where I got the cream my nurse recommended.",
    });
    await waitForQueues([a, b, c]);
    expect(await threadTitles(carol)).not.toContain("Where to buy");
    const { held } = await apiOk(mod, "GET", `/groups/${groupIds.get(mod)}/held`);
    const mine = held.find((h: any) => h.uri === post.uri);
    await apiOk(mod, "POST", `/posts/${mine.id}/review`, { decision: "approve" });
    await waitForQueues([a, b, c]);
    expect(await threadTitles(carol)).toContain("Where to buy");
  });

  it("never holds a moderator's own posts", async () => {
    const { post } = await apiOk(mod, "POST", `/groups/${groupIds.get(mod)}/threads`, {
      title: "Where not to buy",
      body: "Please avoid https://cure-shop.example and similar sites.",
    });
    expect(post.reviewState).toBe("published");
  });
});

describe("pinned resources", () => {
  it("lets a moderator pin links to reliable information, shown on the group page", async () => {
    const gid = groupIds.get(mod)!;
    const page = await modWeb.submit(`/g/${gid}/settings/moderation`, `/g/${gid}/settings/moderation/resources`, {
      title: "Lymphoma: treatment options",
      url: "https://www.nhs.example/conditions/lymphoma/treatment/",
      description: "The national health service's overview.",
      position: "1",
    });
    expect(page.status).toBe(200);
    const group = await new WebClient(a).get("/@lymphoma");
    expect(group.html).toContain("Reliable information");
    expect(group.html).toContain('href="https://www.nhs.example/conditions/lymphoma/treatment/"');
    const { resources } = await apiOk(newcomer, "GET", `/groups/${groupIds.get(newcomer)}/resources`);
    expect(resources.map((r: any) => r.title)).toEqual(["Lymphoma: treatment options"]);
  });

  it("refuses links that are not web addresses, and members who do not moderate", async () => {
    const gid = groupIds.get(mod)!;
    const page = await modWeb.submit(`/g/${gid}/settings/moderation`, `/g/${gid}/settings/moderation/resources`, {
      title: "Click me",
      url: "javascript:alert(1)",
    });
    expect(page.status).toBe(422);
    expect(text(page.html)).toContain("web address");
    const res = await api(newcomer, "POST", `/groups/${groupIds.get(newcomer)}/resources`, { title: "Mine", url: "https://example.org/" });
    expect(res.status).toBe(403);
    const { resources } = await apiOk(mod, "GET", `/groups/${gid}/resources`);
    expect(resources).toHaveLength(1);
    await apiOk(mod, "DELETE", `/groups/${gid}/resources/${resources[0].id}`);
    expect((await apiOk(mod, "GET", `/groups/${gid}/resources`)).resources).toEqual([]);
    const log = await a.kindred.database.db.selectFrom("moderation_log").select("action")
      .where("action", "in", ["pin_resource", "unpin_resource"]).orderBy("id").execute();
    expect(log.map((l) => l.action)).toEqual(["pin_resource", "unpin_resource"]);
  });
});
