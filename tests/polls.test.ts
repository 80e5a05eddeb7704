/**
 * Polls across two live Kindred instances: a poll started on A in A's
 * group, votes from members on A and B, counts on both, a single choice
 * changed, votes after the end refused, and voters never exposed (the
 * served Question, the API, the pages).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance;
let alice: Member, amir: Member, bob: Member;
const groupIds = new Map<Member, number>();
let groupUri: string;

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance({ LOG_LEVEL: "error" }), startInstance({ LOG_LEVEL: "error" })]);
  await createAccount(a.kindred.database.db, a.url, { username: "owner", password: "owner has a long password" });
  await createLocalGroup(a, { slug: "ms-support", name: "MS support", owner: "owner" });
  groupUri = new URL("/@ms-support", a.url).href;
  [alice, amir, bob] = await Promise.all([createMember(a, "alice"), createMember(a, "amir"), createMember(b, "bob")]);
  for (const m of [alice, amir]) groupIds.set(m, (await apiOk(m, "POST", "/groups/follow", { handle: "ms-support" })).group.id);
  groupIds.set(bob, (await apiOk(bob, "POST", "/groups/follow", { handle: groupUri })).group.id);
  await waitForQueues([a, b]);
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
});

/** The id on B of a thread that A published, by its URI. */
async function idOnB(uri: string): Promise<number> {
  const row = await b.kindred.database.db.selectFrom("posts").select("id").where("uri", "=", uri).executeTakeFirstOrThrow();
  return row.id;
}

describe("polls across instances", () => {
  let pollId: number, pollUri: string, pollOnB: number;

  it("starts a single-choice poll on A that reaches B as a Question with its options", async () => {
    const created = await apiOk(alice, "POST", `/groups/${groupIds.get(alice)}/polls`, {
      title: "Which day suits the monthly video call?",
      body: "We will pick the most popular day.",
      options: ["Monday", "Wednesday", "Saturday"],
      multiple: false,
      duration: "3d",
    });
    pollId = created.post.id;
    pollUri = created.post.uri;
    expect(created.poll.options.map((o: any) => o.name)).toEqual(["Monday", "Wednesday", "Saturday"]);
    expect(created.poll.multiple).toBe(false);
    const days = (Date.parse(created.poll.endTime) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThan(3.1);
    await waitForQueues([a, b]);
    pollOnB = await idOnB(pollUri);
    const onB = await apiOk(bob, "GET", `/posts/${pollOnB}/poll`);
    expect(onB.poll.options.map((o: any) => [o.name, o.votes])).toEqual([["Monday", 0], ["Wednesday", 0], ["Saturday", 0]]);
    expect(onB.poll.closed).toBe(false);
  });

  it("counts votes from A and B on the origin and sends the counts to B", async () => {
    await apiOk(amir, "POST", `/posts/${pollId}/poll/votes`, { choices: [0] });
    const bobVote = await apiOk(bob, "POST", `/posts/${pollOnB}/poll/votes`, { choices: [1] });
    expect(bobVote.poll.myChoices).toEqual([1]);
    await waitForQueues([a, b]);
    const onA = await apiOk(alice, "GET", `/posts/${pollId}/poll`);
    expect(onA.poll.options.map((o: any) => o.votes)).toEqual([1, 1, 0]);
    expect(onA.poll.votersCount).toBe(2);
    expect(onA.poll.voted).toBe(false);
    const onB = await apiOk(bob, "GET", `/posts/${pollOnB}/poll`);
    expect(onB.poll.options.map((o: any) => o.votes)).toEqual([1, 1, 0]);
    expect(onB.poll.votersCount).toBe(2);
    expect(onB.poll.myChoices).toEqual([1]);
  });

  it("replaces a single choice when a member changes their vote", async () => {
    await apiOk(bob, "POST", `/posts/${pollOnB}/poll/votes`, { choices: [2] });
    await waitForQueues([a, b]);
    const onA = await apiOk(alice, "GET", `/posts/${pollId}/poll`);
    expect(onA.poll.options.map((o: any) => o.votes)).toEqual([1, 0, 1]);
    expect(onA.poll.votersCount).toBe(2);
    const onB = await apiOk(bob, "GET", `/posts/${pollOnB}/poll`);
    expect(onB.poll.options.map((o: any) => o.votes)).toEqual([1, 0, 1]);
    expect(onB.poll.myChoices).toEqual([2]);
    // Two choices in a single-choice poll are refused.
    expect((await api(amir, "POST", `/posts/${pollId}/poll/votes`, { choices: [0, 1] })).status).toBe(422);
  });

  it("serves the poll as a Question with counts only, never who voted", async () => {
    const res = await fetch(pollUri, { headers: { Accept: "application/activity+json" } });
    expect(res.status).toBe(200);
    const json = await res.json();
    expect(json.type).toBe("Question");
    expect(json.name).toBe("Which day suits the monthly video call?");
    expect(json.oneOf.map((o: any) => [o.type, o.name, o.replies.totalItems])).toEqual([
      ["Note", "Monday", 1], ["Note", "Wednesday", 0], ["Note", "Saturday", 1],
    ]);
    expect(json.votersCount).toBe(2);
    expect(json.anyOf).toBeUndefined();
    expect(json.closed).toBeUndefined();
    expect(typeof json.endTime).toBe("string");
    const served = JSON.stringify(json);
    for (const who of ["amir", "bob"]) expect(served).not.toContain(who);
    // Nor anywhere in the thread's context collection or the voters' outboxes.
    const context = await (await fetch(`${pollUri}/context`, { headers: { Accept: "application/activity+json" } })).text();
    expect(context).not.toContain("/@amir");
    expect(context).not.toContain("/@bob");
    const outbox = await (await fetch(new URL("/@bob/outbox", b.url), { headers: { Accept: "application/activity+json" } })).json();
    expect(JSON.stringify(outbox)).not.toContain(pollUri);
    const kept = await b.kindred.database.db.selectFrom("activities").select("json")
      .where("type", "=", "Create").execute();
    expect(kept.filter((k) => JSON.stringify(k.json).includes(pollUri))).toEqual([]);
  });

  it("shows counts, percentages and 'You voted' on the thread page, and no voter names", async () => {
    const web = new WebClient(b);
    await web.submit("/login", "/login", { username: "bob", password: "bob has a long password" });
    const page = await web.get(`/p/${pollOnB}`);
    expect(page.status).toBe(200);
    const t = text(page.html);
    expect(t).toContain("You voted");
    expect(t).toMatch(/Monday\s*1 vote\s*\(50%\)/);
    expect(t).toMatch(/Saturday\s*Your choice\s*1 vote\s*\(50%\)/);
    // New counts are not an edit of the post.
    expect(t).not.toContain("edited");
    expect(page.html).toContain('type="radio"');
    expect(page.html).toContain("<meter");
    const onA = await new WebClient(a).get(new URL(pollUri).pathname);
    expect(text(onA.html)).toContain("2 voters");
    expect(onA.html).not.toContain("amir");
  });

  it("votes from the thread page without JavaScript", async () => {
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "alice", password: "alice has a long password" });
    const page = await web.submit(`/p/${pollId}`, `/p/${pollId}/poll`, { choice: "1" });
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain("You voted");
    await waitForQueues([a, b]);
    const onB = await apiOk(bob, "GET", `/posts/${pollOnB}/poll`);
    expect(onB.poll.options.map((o: any) => o.votes)).toEqual([1, 1, 1]);
    expect(onB.poll.votersCount).toBe(3);
  });

  it("refuses votes after the end, locally and on the poll's origin", async () => {
    // The origin's poll has ended; B's copy does not know yet: B sends the vote, A refuses it.
    await a.kindred.database.db.updateTable("polls").set({ end_time: new Date(Date.now() - 1000) })
      .where("post_id", "=", pollId).execute();
    const late = await api(amir, "POST", `/posts/${pollId}/poll/votes`, { choices: [2] });
    expect(late.status).toBe(422);
    expect(late.json.error).toContain("ended");
    await apiOk(bob, "POST", `/posts/${pollOnB}/poll/votes`, { choices: [0] });
    await waitForQueues([a, b]);
    const onA = await apiOk(alice, "GET", `/posts/${pollId}/poll`);
    expect(onA.poll.options.map((o: any) => o.votes)).toEqual([1, 1, 1]);
    expect(onA.poll.closed).toBe(true);
    const res = await (await fetch(pollUri, { headers: { Accept: "application/activity+json" } })).json();
    expect(typeof res.closed).toBe("string");
    // B refuses by itself once its copy has ended.
    await b.kindred.database.db.updateTable("polls").set({ end_time: new Date(Date.now() - 1000) })
      .where("post_id", "=", pollOnB).execute();
    expect((await api(bob, "POST", `/posts/${pollOnB}/poll/votes`, { choices: [1] })).status).toBe(422);
  });

  it("keeps replies and thread votes working on a poll thread", async () => {
    const reply = await apiOk(bob, "POST", `/posts/${pollOnB}/replies`, { body: "Saturday works best for carers." });
    await apiOk(amir, "PUT", `/posts/${pollId}/vote`, { value: 1 });
    await waitForQueues([a, b]);
    const thread = await apiOk(alice, "GET", `/posts/${pollId}`);
    expect(thread.thread.map((p: any) => p.uri)).toContain(reply.post.uri);
    expect(thread.thread[0].likes).toBe(1);
  });

  it("starts a multiple-choice poll whose votes add up per option", async () => {
    const created = await apiOk(alice, "POST", `/groups/${groupIds.get(alice)}/polls`, {
      title: "Which topics for the next meetings?",
      options: ["Fatigue", "Work", "Diet"],
      multiple: true,
      duration: "1w",
    });
    expect((await api(alice, "POST", `/groups/${groupIds.get(alice)}/polls`, {
      title: "Too few", options: ["Only one"], duration: "1d",
    })).status).toBe(422);
    await waitForQueues([a, b]);
    const onB = await idOnB(created.post.uri);
    await apiOk(bob, "POST", `/posts/${onB}/poll/votes`, { choices: [0, 2] });
    await apiOk(amir, "POST", `/posts/${created.post.id}/poll/votes`, { choices: [2] });
    await waitForQueues([a, b]);
    const json = await (await fetch(created.post.uri, { headers: { Accept: "application/activity+json" } })).json();
    expect(json.anyOf.map((o: any) => o.replies.totalItems)).toEqual([1, 0, 2]);
    expect(json.votersCount).toBe(2);
    const bView = await apiOk(bob, "GET", `/posts/${onB}/poll`);
    expect(bView.poll.options.map((o: any) => o.votes)).toEqual([1, 0, 2]);
    expect(bView.poll.multiple).toBe(true);
  });
});
