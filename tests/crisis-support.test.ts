/**
 * Crisis support: a post or reply in crisis language shows the instance's
 * crisis resources to its author at once and raises a high-priority report
 * to the group's moderators; everyday health talk does not.  Admins edit
 * the resources; a remote member's post raises the report too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { apiOk, api, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance;
let sam: Member, bob: Member;
let groupId: number;
let threadId: number;
const password = (u: string) => `${u} has a long password`;

async function loggedIn(instance: TestInstance, username: string): Promise<WebClient> {
  const web = new WebClient(instance);
  const page = await web.submit("/login", "/login", { username, password: password(username) });
  expect(page.status).toBe(200);
  return web;
}

async function reports() {
  return await a.kindred.database.db.selectFrom("reports")
    .select(["post_id", "reason", "priority", "reporter_actor_id", "state", "comment"]).orderBy("id").execute();
}

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  const db = a.kindred.database.db;
  await createAccount(db, a.url, { username: "ada", password: password("ada"), role: "admin" });
  await createAccount(db, a.url, { username: "mo", password: password("mo") });
  await createLocalGroup(a, { slug: "caregivers", name: "Caregivers", owner: "mo" });
  [sam, bob] = await Promise.all([createMember(a, "sam"), createMember(b, "bob")]);
  groupId = (await apiOk(sam, "POST", "/groups/follow", { handle: "caregivers" })).group.id;
  await apiOk(bob, "POST", "/groups/follow", { handle: new URL("/@caregivers", a.url).href });
  const { post } = await apiOk(sam, "POST", `/groups/${groupId}/threads`, {
    title: "Evenings are the hardest",
    body: "How do you all cope in the evenings after a long day of caring?",
  });
  threadId = post.id;
  await waitForQueues([a, b]);
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
});

describe("crisis support", () => {
  it("shows generic emergency advice until an admin adds the instance's helplines", async () => {
    const page = await new WebClient(a).get("/help/crisis");
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain("local emergency number");
  });

  it("lets only admins edit the crisis resources, with clear errors", async () => {
    const member = await loggedIn(a, "sam");
    expect((await member.get("/admin/crisis")).status).toBe(403);
    const admin = await loggedIn(a, "ada");
    const bad = await admin.submit("/admin/crisis", "/admin/crisis", { name: "", contact: "116 123", language: "en" });
    expect(bad.status).toBe(422);
    expect(text(bad.html)).toContain("name is required");
    const ok = await admin.submit("/admin/crisis", "/admin/crisis", {
      name: "Samaritans",
      contact: "116 123, free, day and night",
      description: "Someone to talk to, in confidence.",
      language: "en",
      position: "1",
    });
    expect(ok.status).toBe(200);
    expect(text(ok.html)).toContain("Samaritans");
    expect(text((await new WebClient(a).get("/help/crisis")).html)).toContain("116 123");
  });

  it("shows the resources at once to a member whose reply matches crisis language, and reports it at high priority", async () => {
    const web = await loggedIn(a, "sam");
    const thread = await web.get(`/posts/${threadId}`);
    const page = await web.post(`/p/${threadId}/reply`, {
      body: "Honestly I can't do this anymore. I've been saving up my pills and I think tonight I will take them all.",
    }, thread.html);
    expect(page.status).toBe(200);
    expect(page.url.search).toContain("crisis=1");
    expect(text(page.html)).toContain("You are not alone");
    expect(text(page.html)).toContain("Samaritans");
    const all = await reports();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ reason: "self_harm", priority: "high", reporter_actor_id: null, state: "open" });
    const mo = await loggedIn(a, "mo");
    const notes = await a.kindred.database.db.selectFrom("notifications")
      .innerJoin("accounts", "accounts.id", "notifications.account_id")
      .select(["accounts.username", "notifications.kind"]).where("notifications.kind", "=", "report").execute();
    expect(notes).toEqual([{ username: "mo", kind: "report" }]);
    expect(mo).toBeDefined();
  });

  it("does not react to everyday health talk", async () => {
    const before = (await reports()).length;
    const web = await loggedIn(a, "sam");
    const thread = await web.get(`/posts/${threadId}`);
    const page = await web.post(`/p/${threadId}/reply`, {
      body: "This chemo is killing me, honestly, but the nurse says the tiredness peaks on day 5. " +
        "Dad's palliative team talked about end of life care today and it was kind.",
    }, thread.html);
    expect(page.status).toBe(200);
    expect(page.url.search).not.toContain("crisis=1");
    expect(text(page.html)).not.toContain("You are not alone");
    expect((await reports()).length).toBe(before);
  });

  it("returns the resources to API clients too", async () => {
    const res = await api(sam, "POST", `/posts/${threadId}/replies`, { body: "I want to end my life. Nothing helps." });
    expect(res.status).toBe(201);
    expect(res.json.crisisResources.map((r: any) => r.name)).toContain("Samaritans");
    const calm = await api(sam, "POST", `/posts/${threadId}/replies`, { body: "Thank you all, I slept better." });
    expect(calm.json.crisisResources).toBeUndefined();
  });

  it("raises the report for a remote member's post in our group", async () => {
    const before = (await reports()).length;
    const { threads } = await apiOk(bob, "GET", `/groups/${(await apiOk(bob, "POST", "/groups/follow", { handle: new URL("/@caregivers", a.url).href })).group.id}/threads`);
    const root = threads.find((t: any) => t.title === "Evenings are the hardest");
    await apiOk(bob, "POST", `/posts/${root.id}/replies`, {
      body: "Everyone would be better off without me. I don't want to be here anymore.",
    });
    await waitForQueues([a, b]);
    const after = await reports();
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({ priority: "high", reason: "self_harm", reporter_actor_id: null });
  });
});
