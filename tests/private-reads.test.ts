/**
 * Every place that shows a post checks that the reader may read it (one
 * rule, src/group-access.ts#mayReadPost): the reply form (and its preview),
 * the report form and reports, the poll API and the moderation log show
 * nothing of a private group's content to someone outside it, and the
 * same pages work for its members.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiOk, createLocalGroup, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { WebClient } from "./helpers/web.ts";

const SECRET = "Only for us: my new scan results";
let a: TestInstance;
let olive: Member, mia: Member, nosy: Member;
let groupId: number;
let threadId: number, pollId: number;
let outsider: WebClient;

beforeAll(async () => {
  a = await startInstance();
  [olive, mia, nosy] = await Promise.all([createMember(a, "olive"), createMember(a, "mia"), createMember(a, "nosy")]);
  await createLocalGroup(a, { slug: "quiet-room", name: "Quiet room", owner: "olive", visibility: "private" });
  groupId = (await apiOk(olive, "POST", "/groups/follow", { handle: "quiet-room" })).group.id;
  await apiOk(mia, "POST", "/groups/follow", { handle: "quiet-room" });
  const { requests } = await apiOk(olive, "GET", `/groups/${groupId}/requests`);
  for (const r of requests) await apiOk(olive, "POST", `/groups/${groupId}/requests/${r.id}/approve`);
  threadId = (await apiOk(mia, "POST", `/groups/${groupId}/threads`, { title: "Scan day", body: SECRET })).post.id;
  pollId = (await apiOk(mia, "POST", `/groups/${groupId}/polls`, {
    title: "Secret poll about scans", body: "Members only.", options: ["Yes", "No"], multiple: false, duration: "3d",
  })).post.id;
  // A lock, so that the group's moderation log names the poll.
  await apiOk(olive, "POST", `/posts/${pollId}/moderation`, { action: "lock", reason: "Closed: thank you all." });
  outsider = new WebClient(a);
  await outsider.signUp("nadia");
}, 120_000);
afterAll(async () => {
  await a?.stop();
});

describe("a private group's posts, to someone outside it", () => {
  it("are not shown in the reply form or its preview", async () => {
    const page = await outsider.get("/groups");
    const res = await outsider.post(`/p/${threadId}/reply`, { body: "peek", action: "preview" }, page.html);
    expect(res.status).toBe(404);
    expect(res.html).not.toContain("scan results");
  });

  it("are not shown in the report form, and cannot be reported (web or API)", async () => {
    const form = await outsider.get(`/p/${threadId}/report`);
    expect(form.status).toBe(404);
    expect(form.html).not.toContain("Scan day");
    const res = await api(nosy, "POST", `/posts/${threadId}/report`, { reason: "spam", comment: "peek" });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.json)).toContain("no such post");
    expect(await a.kindred.database.db.selectFrom("reports").select("id").execute()).toEqual([]);
  });

  it("do not leak a poll's question or options through the API", async () => {
    const res = await api(nosy, "GET", `/posts/${pollId}/poll`);
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.json)).not.toContain("Yes");
  });

  it("do not appear in the group's moderation log, which is for those who may read the group", async () => {
    const anonymous = await fetch(new URL(`/g/${groupId}/log`, a.url), { headers: { Accept: "text/html" } });
    expect(anonymous.status).toBe(404);
    expect(await anonymous.text()).not.toContain("Secret poll");
    expect((await outsider.get(`/g/${groupId}/log`)).status).toBe(404);
  });
});

describe("the same, for a member", () => {
  it("shows the post in the reply preview, the poll and the moderation log", async () => {
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "mia", password: "mia has a long password" });
    const page = await web.get(`/p/${threadId}`);
    expect(page.status).toBe(200);
    const preview = await web.post(`/p/${threadId}/reply`, { body: "me too", action: "preview" }, page.html);
    expect(preview.status).toBe(200);
    expect(preview.html).toContain("scan results");
    expect((await web.get(`/g/${groupId}/log`)).status).toBe(200);
    expect((await apiOk(mia, "GET", `/posts/${pollId}/poll`)).poll.options.map((o: any) => o.name)).toEqual(["Yes", "No"]);
    // Her own post: refused as her own, which tells that she may read it.
    const report = await api(mia, "POST", `/posts/${threadId}/report`, { reason: "other", comment: "checking" });
    expect(report.status).toBe(422);
    expect(JSON.stringify(report.json)).toContain("yourself");
  });
});

describe("a group made private", () => {
  it("keeps its earlier activities from outsiders, at their ids and in members' outboxes", async () => {
    await createLocalGroup(a, { slug: "was-open", name: "Was open", owner: "olive" });
    const openId = (await apiOk(olive, "POST", "/groups/follow", { handle: "was-open" })).group.id;
    await apiOk(mia, "POST", "/groups/follow", { handle: "was-open" });
    await apiOk(mia, "POST", `/groups/${openId}/threads`, { title: "Before it closed", body: "Said in the open." });
    const row = await a.kindred.database.db.selectFrom("activities").innerJoin("actors", "actors.id", "activities.actor_id")
      .select("activities.uri").where("actors.username", "=", "mia").where("activities.type", "=", "Create")
      .orderBy("activities.id", "desc").executeTakeFirstOrThrow();
    const fetchAnonymously = (url: string) => fetch(url, { headers: { Accept: "application/activity+json" } });
    expect((await fetchAnonymously(row.uri)).status).toBe(200);
    const outbox = () => fetchAnonymously(new URL("/@mia/outbox?page=true", a.url).href).then((r) => r.text());
    expect(await outbox()).toContain("Before it closed");

    await apiOk(olive, "PATCH", `/groups/${openId}`, { visibility: "private", confirmLessPrivate: true });
    const after = await fetchAnonymously(row.uri);
    expect(after.status).toBe(404);
    expect(await after.text()).not.toContain("Before it closed");
    expect(await outbox()).not.toContain("Before it closed");
  });
});
