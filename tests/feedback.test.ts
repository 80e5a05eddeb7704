/**
 * Feedback to a group's managers: a member sends it from the group page,
 * the moderators are notified, see it and mark it handled; nobody else
 * sees it, and a remote group's page explains it is not supported yet.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { logIn } from "../src/auth.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance;
let mona: Member, nadia: Member, bob: Member;
let gid: number;

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance({ LOG_LEVEL: "error" }), startInstance({ LOG_LEVEL: "error" })]);
  const db = a.kindred.database.db;
  await createAccount(db, a.url, { username: "mona", password: "mona has a long password" });
  await createLocalGroup(a, { slug: "epilepsy", name: "Epilepsy circle", owner: "mona" });
  mona = { instance: a, username: "mona", token: (await logIn(db, "mona", "mona has a long password"))!, uri: new URL("/@mona", a.url).href };
  [nadia, bob] = await Promise.all([createMember(a, "nadia"), createMember(b, "bob")]);
  gid = (await apiOk(mona, "POST", "/groups/follow", { handle: "epilepsy" })).group.id;
  await apiOk(nadia, "POST", "/groups/follow", { handle: "epilepsy" });
  await apiOk(bob, "POST", "/groups/follow", { handle: new URL("/@epilepsy", a.url).href });
  await waitForQueues([a, b]);
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
});

async function login(instance: TestInstance, username: string): Promise<WebClient> {
  const web = new WebClient(instance);
  const page = await web.submit("/login", "/login", { username, password: `${username} has a long password` });
  expect(page.status).toBe(200);
  return web;
}

describe("feedback to a group's managers", () => {
  it("lets a member send feedback from the group page, and tells the moderators", async () => {
    const web = await login(a, "nadia");
    const group = await web.get("/@epilepsy");
    expect(group.html).toContain(`/g/${gid}/feedback/new`);
    expect(group.html).not.toContain(`href="/g/${gid}/feedback"`);
    const empty = await web.submit(`/g/${gid}/feedback/new`, `/g/${gid}/feedback/new`, { category: "problem", body: "  " });
    expect(empty.status).toBe(422);
    expect(text(empty.html)).toContain("write your feedback");
    const sent = await web.submit(`/g/${gid}/feedback/new`, `/g/${gid}/feedback/new`, {
      category: "suggestion",
      body: "Could we have an evening meeting for people who work?",
    });
    expect(sent.status).toBe(200);
    expect(text(sent.html)).toContain("Your feedback was sent");
    const monaWeb = await login(a, "mona");
    const notes = text((await monaWeb.get("/notifications")).html);
    expect(notes).toContain("A member sent feedback to the managers of Epilepsy circle");
    // Never public: not in the group, its threads, or the ActivityPub outbox.
    const visitor = await new WebClient(a).get("/@epilepsy");
    expect(visitor.html).not.toContain("evening meeting");
    const outbox = await (await fetch(new URL("/@epilepsy/outbox", a.url), { headers: { Accept: "application/activity+json" } })).text();
    expect(outbox).not.toContain("evening meeting");
    const nadiaNotes = text((await web.get("/notifications")).html);
    expect(nadiaNotes).not.toContain("sent feedback");
  });

  it("shows feedback to the moderators only, who mark it handled", async () => {
    const monaWeb = await login(a, "mona");
    const group = await monaWeb.get("/@epilepsy");
    expect(text(group.html)).toContain("Feedback from members (1 open)");
    const list = await monaWeb.get(`/g/${gid}/feedback`);
    expect(list.status).toBe(200);
    expect(text(list.html)).toContain("Could we have an evening meeting for people who work?");
    expect(text(list.html)).toContain("@nadia@");
    const [, fid] = /\/feedback\/(\d+)\/handled/.exec(list.html)!;
    const handled = await monaWeb.post(`/g/${gid}/feedback/${fid}/handled`, {}, list.html);
    expect(handled.status).toBe(200);
    expect(text(handled.html)).toContain("Handled by mona");
    expect(text((await monaWeb.get("/@epilepsy")).html)).toContain("Feedback from members (0 open)");

    const nadiaWeb = await login(a, "nadia");
    expect((await nadiaWeb.get(`/g/${gid}/feedback`)).status).toBe(403);
    const forged = await nadiaWeb.post(`/g/${gid}/feedback/${fid}/handled`, {}, (await nadiaWeb.get("/@epilepsy")).html);
    expect(forged.status).toBe(403);
    expect((await api(nadia, "GET", `/groups/${gid}/feedback`)).status).toBe(403);
  });

  it("works through the API", async () => {
    expect((await api(nadia, "POST", `/groups/${gid}/feedback`, { category: "gossip", body: "x" })).status).toBe(422);
    const sent = await apiOk(nadia, "POST", `/groups/${gid}/feedback`, { category: "praise", body: "Thank you all." });
    const list = await apiOk(mona, "GET", `/groups/${gid}/feedback`);
    expect(list.feedback[0]).toMatchObject({ id: sent.feedback.id, category: "praise", body: "Thank you all.", handled: null });
    await apiOk(mona, "POST", `/groups/${gid}/feedback/${sent.feedback.id}/handled`);
    const after = await apiOk(mona, "GET", `/groups/${gid}/feedback`);
    expect(after.feedback.find((f: any) => f.id === sent.feedback.id).handled).not.toBeNull();
  });

  it("explains that a remote group's managers are reached on their own server", async () => {
    const remoteId = (await apiOk(bob, "GET", "/groups/" + (await apiOk(bob, "POST", "/groups/follow", {
      handle: new URL("/@epilepsy", a.url).href,
    })).group.id)).group.id;
    const web = await login(b, "bob");
    const page = await web.get(`/g/${remoteId}/feedback/new`);
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain("Kindred cannot send them feedback yet");
    expect(page.html).not.toContain(`action="/g/${remoteId}/feedback/new"`);
    const refused = await api(bob, "POST", `/groups/${remoteId}/feedback`, { category: "other", body: "Hello" });
    expect(refused.status).toBe(422);
  });
});
