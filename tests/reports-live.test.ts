/**
 * Reports across two live Kindred instances: a member on B reports a post in
 * a group on A; A's moderator sees it in the queue and resolves it; B's copy
 * of the report is closed by the `Resolve` A sends back.  A report with
 * "also tell the author's instance" reaches that instance from A's
 * instance actor, with the reason only.  The reporter never shows up where
 * the reported member can look.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance;
let alice: Member, carol: Member, bob: Member, dan: Member;
let groupUri: string;
const groupId = new Map<Member, number>();
let thread: any, reply: any;

const both = () => [a, b];

async function login(instance: TestInstance, username: string): Promise<WebClient> {
  const web = new WebClient(instance);
  const page = await web.submit("/login", "/login", { username, password: `${username} has a long password` });
  expect(page.status).toBe(200);
  return web;
}

async function reportsOn(instance: TestInstance) {
  return await instance.kindred.database.db.selectFrom("reports as r")
    .innerJoin("actors as t", "t.id", "r.target_actor_id")
    .leftJoin("actors as rep", "rep.id", "r.reporter_actor_id")
    .leftJoin("actors as g", "g.id", "r.group_actor_id")
    .select(["r.id", "r.uri", "r.state", "r.reason", "r.comment", "r.priority", "r.post_id",
      "t.uri as target", "rep.uri as reporter", "g.uri as group"])
    .orderBy("r.id").execute();
}

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  [alice, carol, bob, dan] = await Promise.all([
    createMember(a, "alice"),
    createMember(a, "carol"),
    createMember(b, "bob"),
    createMember(b, "dan"),
  ]);
  await createLocalGroup(a, { slug: "peer-circle", name: "Peer circle", description: "Open.", owner: "alice" });
  groupUri = new URL("/@peer-circle", a.url).href;
  for (const m of [alice, carol]) groupId.set(m, (await apiOk(m, "POST", "/groups/follow", { handle: "peer-circle" })).group.id);
  for (const m of [bob, dan]) groupId.set(m, (await apiOk(m, "POST", "/groups/follow", { handle: groupUri })).group.id);
  await waitForQueues(both());
  ({ post: thread } = await apiOk(carol, "POST", `/groups/${groupId.get(carol)}/threads`, {
    title: "Stopping my medication", body: "I read that you can just stop it.",
  }));
  await waitForQueues(both());
  const onB = await apiOk(dan, "GET", `/groups/${groupId.get(dan)}/threads`);
  const threadOnB = onB.threads.find((t: any) => t.uri === thread.uri);
  ({ post: reply } = await apiOk(dan, "POST", `/posts/${threadOnB.id}/replies`, { body: "Buy my miracle cure." }));
  await waitForQueues(both());
}, 120_000);
afterAll(() => Promise.all([a, b].filter(Boolean).map((i) => i.stop())));

describe("a report from another instance", () => {
  let threadIdOnB: number;

  it("validates the reason", async () => {
    const onB = await apiOk(bob, "GET", `/groups/${groupId.get(bob)}/threads`);
    threadIdOnB = onB.threads.find((t: any) => t.uri === thread.uri).id;
    const { status, json } = await api(bob, "POST", `/posts/${threadIdOnB}/report`, { reason: "rude" });
    expect(status).toBe(422);
    expect(json.field).toBe("reason");
  });

  it("reaches the group's instance as a Flag from the reporter, at high priority for self-harm", async () => {
    await apiOk(bob, "POST", `/posts/${threadIdOnB}/report`, { reason: "self_harm", comment: "bob-is-worried" });
    await waitForQueues(both());
    const [sent] = await reportsOn(b);
    expect(sent).toMatchObject({ state: "open", reason: "self_harm", reporter: bob.uri, group: groupUri, target: carol.uri });
    expect(new URL(sent.uri!).origin).toBe(b.url.origin);
    const [received] = await reportsOn(a);
    expect(received).toMatchObject({
      uri: sent.uri, state: "open", reason: "self_harm", priority: "high", reporter: bob.uri, target: carol.uri,
      group: groupUri, comment: "Risk of self-harm: bob-is-worried",
    });
  });

  it("is not served at its id: the Flag would name the reporter", async () => {
    const [sent] = await reportsOn(b);
    const res = await fetch(sent.uri!, { headers: { Accept: "application/activity+json" } });
    await res.body?.cancel();
    expect(res.status).toBe(404);
  });

  it("notifies the group's moderators, and shows them the reporter in the queue", async () => {
    const web = await login(a, "alice");
    const notes = await web.get("/notifications");
    expect(text(notes.html)).toMatch(/New report in Peer circle ?: Risk of self-harm/);
    const group = await web.get("/@peer-circle");
    expect(group.html).toContain(`/g/${groupId.get(alice)}/moderation`);
    const queue = await web.get(`/g/${groupId.get(alice)}/moderation`);
    expect(queue.status).toBe(200);
    const t = text(queue.html);
    expect(t).toContain("High priority");
    expect(t).toContain("bob-is-worried");
    expect(t).toContain(`@bob@${b.url.host}`);
    expect(t).toContain("Stopping my medication");
    expect(queue.html).toContain('id="held-posts"');
  });

  it("keeps the queue, the dashboard and the report from members who do not moderate", async () => {
    const web = await login(a, "carol");
    expect((await web.get(`/g/${groupId.get(carol)}/moderation`)).status).toBe(403);
    expect((await web.get(`/g/${groupId.get(carol)}/dashboard`)).status).toBe(403);
    expect((await api(carol, "GET", `/groups/${groupId.get(carol)}/reports`)).status).toBe(403);
    const group = await web.get("/@peer-circle");
    expect(group.html).not.toContain(`/g/${groupId.get(carol)}/moderation`);
    expect(group.html).toContain(`/g/${groupId.get(carol)}/log`);
  });

  it("never shows the reporter to the reported member", async () => {
    const web = await login(a, "carol");
    for (const path of ["/notifications", new URL(thread.uri).pathname, "/@peer-circle", `/g/${groupId.get(carol)}/log`]) {
      const page = await web.get(path);
      expect(page.status, path).toBe(200);
      expect(page.html, path).not.toContain("bob");
    }
    const notes = await a.kindred.database.db.selectFrom("notifications").innerJoin("accounts", "accounts.id", "notifications.account_id")
      .select("notifications.kind").where("accounts.username", "=", "carol").execute();
    expect(notes.map((n) => n.kind)).not.toContain("report");
  });

  it("is resolved from the queue, and the reporter's instance is told with a Resolve", async () => {
    const web = await login(a, "alice");
    const [received] = await reportsOn(a);
    const page = await web.submit(`/g/${groupId.get(alice)}/moderation`,
      `/g/${groupId.get(alice)}/reports/${received.id}/resolve`, {});
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain("Report resolved.");
    expect(text(page.html)).toContain("No open reports.");
    await waitForQueues(both());
    expect((await reportsOn(a))[0].state).toBe("resolved");
    expect((await reportsOn(b))[0].state).toBe("resolved");
  });
});

describe("telling the author's instance", () => {
  it("sends the reason only, from the instance actor; the author's instance keeps it", async () => {
    const replyOnA = (await apiOk(carol, "GET", `/posts/${thread.id}`)).thread.find((p: any) => p.uri === reply.uri);
    const web = await login(a, "carol");
    const form = await web.get(`/p/${replyOnA.id}/report`);
    expect(form.html).toContain('name="also_author"');
    const sent = await web.post(`/p/${replyOnA.id}/report`, {
      about: "post", reason: "spam", comment: "carol-private-words", also_author: "on",
    }, form.html);
    expect(text(sent.html)).toContain("your report was sent");
    await waitForQueues(both());
    const onA = (await reportsOn(a)).at(-1)!;
    expect(onA).toMatchObject({ uri: null, reason: "spam", reporter: carol.uri, target: dan.uri, state: "open" });
    const onB = await reportsOn(b);
    const told = onB.at(-1)!;
    expect(told).toMatchObject({ reason: "spam", target: dan.uri, group: groupUri, comment: "Spam" });
    expect(told.reporter).toBe(new URL("/@_instance", a.url).href);
    expect(JSON.stringify(told)).not.toContain("carol");
    const admins = await b.kindred.database.db.selectFrom("notifications").select("report_id")
      .where("kind", "=", "report").execute();
    // B has no admin in this test: nobody is notified, but the report waits.
    expect(admins.map((n) => n.report_id)).not.toContain(onB[0].id);
  });

  it("dismissing a local report sends nothing back", async () => {
    const onA = (await reportsOn(a)).at(-1)!;
    const res = await apiOk(alice, "POST", `/groups/${groupId.get(alice)}/reports/${onA.id}/dismiss`);
    expect(res.state).toBe("dismissed");
    const again = await api(alice, "POST", `/groups/${groupId.get(alice)}/reports/${onA.id}/resolve`);
    expect(again.status).toBe(422);
  });
});
