/**
 * The notifications JSON API (src/routes/api-notifications.ts) over real
 * HTTP: a reply and a mention reach their member, newest first, with what
 * they are about; marking some or all read; bad input refused with nothing
 * changed; one member's ids never touch another's notifications.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiOk, createLocalGroup, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

let a: TestInstance;
let alice: Member, bob: Member;
let threadId: number;

beforeAll(async () => {
  a = await startInstance();
  [alice, bob] = await Promise.all([createMember(a, "alice"), createMember(a, "bob")]);
  await createLocalGroup(a, { slug: "lupus", name: "Lupus friends" });
  const group = (await apiOk(alice, "POST", "/groups/follow", { handle: "lupus" })).group.id;
  await apiOk(bob, "POST", "/groups/follow", { handle: "lupus" });
  threadId = (await apiOk(alice, "POST", `/groups/${group}/threads`, { title: "Fatigue tips", body: "What helps you?" })).post.id;
  await apiOk(bob, "POST", `/posts/${threadId}/replies`, { body: "Pacing, mostly." });
  await apiOk(bob, "POST", `/groups/${group}/threads`, { title: "Fatigue tips", body: "Ask @alice about sleep." });
}, 60_000);
afterAll(async () => {
  await a?.stop();
});

describe("the notifications API", () => {
  it("lists a member's notifications, newest first, with who and what", async () => {
    const { notifications, unread } = await apiOk(alice, "GET", "/notifications");
    expect(unread).toBe(notifications.length);
    expect(notifications.map((n: { kind: string }) => n.kind)).toEqual(expect.arrayContaining(["reply", "mention"]));
    for (const n of notifications.filter((n: { kind: string }) => n.kind === "reply" || n.kind === "mention")) {
      expect(n).toMatchObject({ read: false, actor: { handle: `@bob@${a.host}` }, post: { threadTitle: "Fatigue tips", deleted: false } });
    }
    const times = notifications.map((n: { createdAt: string }) => Date.parse(n.createdAt));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect((await apiOk(bob, "GET", "/notifications")).notifications).toEqual([]);
  });

  it("marks the given ones read, or all, and refuses bad input", async () => {
    const { notifications } = await apiOk(alice, "GET", "/notifications");
    const [first, ...rest] = notifications as { id: number }[];
    // Another member's ids change nothing of alice's.
    expect((await apiOk(bob, "POST", "/notifications/read", { ids: [first.id] })).unread).toBe(0);
    expect((await apiOk(alice, "GET", "/notifications")).unread).toBe(notifications.length);
    for (const bad of [[0], ["x"], "1", [3_000_000_000], Array.from({ length: 501 }, (_, i) => i + 1)]) {
      const refused = await api(alice, "POST", "/notifications/read", { ids: bad });
      expect(refused.status).toBe(422);
    }
    expect((await apiOk(alice, "GET", "/notifications")).unread).toBe(notifications.length);
    expect((await apiOk(alice, "POST", "/notifications/read", { ids: [first.id] })).unread).toBe(rest.length);
    const after = await apiOk(alice, "GET", "/notifications");
    expect(after.notifications.find((n: { id: number }) => n.id === first.id).read).toBe(true);
    // No body at all marks all read too.
    const all = await fetch(new URL("/api/v1/notifications/read", a.url), { method: "POST", headers: { Authorization: `Bearer ${alice.token}` } });
    expect(all.status).toBe(200);
    expect((await all.json()).unread).toBe(0);
  });

  it("is for members with a token only", async () => {
    const res = await fetch(new URL("/api/v1/notifications", a.url));
    expect(res.status).toBe(401);
  });
});
