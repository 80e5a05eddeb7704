/**
 * Issue #6, items 1 and 6, the rest of private groups: votes on a private
 * group's posts count only from its members (inbound Like/Dislike and local
 * votes); a member who leaves no longer sees its content in notifications
 * nor on its pages; the data export's outbox addresses each activity as it
 * was really addressed.  Two live instances: A hosts the groups, B is a
 * partner with one member (bob) and one outsider (carl).
 */
import { Like } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDomainRule } from "../src/federation-policy.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
let a: TestInstance, b: TestInstance;
let olive: Member, mia: Member, lena: Member, bob: Member, carl: Member;
let miaWeb: WebClient;
let groupId: number, publicId: number;
let thread: { id: number; uri: string };
const groupUri = () => new URL("/@quiet-room", a.url);
const all = () => [a, b];
const dbA = () => a.kindred.database.db;

async function approveAll(groupActorId: number) {
  const { requests } = await apiOk(olive, "GET", `/groups/${groupActorId}/requests`);
  for (const r of requests) await apiOk(olive, "POST", `/groups/${groupActorId}/requests/${r.id}/approve`);
  await waitForQueues(all());
}

/** A Like of `thread` signed by `who` on B, straight to the group's inbox. */
async function likeFrom(who: Member, n: number) {
  const ctx = b.kindred.federation.createContext(b.url, b.kindred.contextData);
  const like = new Like({ id: new URL(`/activities/like-${n}`, b.url), actor: new URL(who.uri), object: new URL(thread.uri), tos: [groupUri()] });
  await ctx.sendActivity({ identifier: who.username }, { id: groupUri(), inboxId: new URL(`${groupUri().href}/inbox`) }, like);
  await waitForQueues(all());
}

const likes = async () => (await dbA().selectFrom("posts").select("like_count").where("id", "=", thread.id).executeTakeFirstOrThrow()).like_count;

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  [olive, mia, lena, bob, carl] = await Promise.all([
    createMember(a, "olive"), createMember(a, "mia"), createMember(a, "lena"), createMember(b, "bob"), createMember(b, "carl"),
  ]);
  await setDomainRule(dbA(), null, b.host, "partner");
  await createLocalGroup(a, { slug: "quiet-room", name: "Quiet room", owner: "olive", visibility: "private" });
  await createLocalGroup(a, { slug: "open-room", name: "Open room", owner: "olive" });
  groupId = (await apiOk(olive, "POST", "/groups/follow", { handle: "quiet-room" })).group.id;
  publicId = (await apiOk(mia, "POST", "/groups/follow", { handle: "open-room" })).group.id;
  await apiOk(mia, "POST", "/groups/follow", { handle: "quiet-room" });
  await apiOk(bob, "POST", "/groups/follow", { handle: groupUri().href });
  await waitForQueues(all());
  await approveAll(groupId);
  thread = (await apiOk(mia, "POST", `/groups/${groupId}/threads`, { title: "Nights are the hardest", body: "Only for us." })).post;
  await apiOk(olive, "POST", `/posts/${thread.id}/replies`, { body: "Same here, mia." });
  await apiOk(mia, "POST", `/groups/${publicId}/threads`, { title: "Hello everyone", body: "A public hello." });
  await waitForQueues(all());
  miaWeb = new WebClient(a);
  await miaWeb.submit("/login", "/login", { username: "mia", password: "mia has a long password" });
}, 120_000);

afterAll(async () => {
  await Promise.all(all().filter(Boolean).map((i) => i.stop()));
});

describe("votes on a private group's posts", () => {
  it("counts a remote member's Like and refuses an outsider's from the same server", async () => {
    expect(await likes()).toBe(0);
    await likeFrom(carl, 1);
    expect(await likes()).toBe(0);
    const carlRow = await dbA().selectFrom("actors").select("id").where("uri", "=", carl.uri).executeTakeFirst();
    if (carlRow) {
      expect(await dbA().selectFrom("votes").select("value").where("actor_id", "=", carlRow.id).executeTakeFirst()).toBeUndefined();
    }
    await likeFrom(bob, 2);
    expect(await likes()).toBe(1);
  });

  it("refuses a local non-member's vote, on the API and the web page", async () => {
    const res = await api(lena, "PUT", `/posts/${thread.id}/vote`, { value: 1 });
    expect(res.status).toBe(403);
    expect(await likes()).toBe(1);
    await apiOk(olive, "PUT", `/posts/${thread.id}/vote`, { value: 1 });
    expect(await likes()).toBe(2);
  });
});

describe("a member who leaves", () => {
  it("no longer sees the group's titles in notifications, nor its threads", async () => {
    const before = await miaWeb.get("/notifications");
    expect(text(before.html)).toContain("Nights are the hardest");
    expect((await miaWeb.get(`/p/${thread.id}`)).status).toBe(200);
    const left = await miaWeb.submit("/@quiet-room", `/g/${groupId}/leave`, {});
    expect(left.status).toBe(200);
    const after = await miaWeb.get("/notifications");
    expect(after.status).toBe(200);
    expect(text(after.html)).not.toContain("Nights are the hardest");
    expect(after.html).not.toContain(`/p/${thread.id}`);
    expect(after.html).not.toContain(new URL(thread.uri).pathname);
    expect(text(after.html)).toContain("a thread you can no longer read");
    expect((await miaWeb.get(`/p/${thread.id}`)).status).toBe(404);
    expect((await api(mia, "GET", `/posts/${thread.id}`)).status).toBe(404);
    expect((await api(mia, "GET", `/groups/${groupId}/threads`)).status).toBe(403);
    // And no more votes from her.
    expect((await api(mia, "PUT", `/posts/${thread.id}/vote`, { value: 1 })).status).toBe(403);
  });
});

describe("the data export's outbox", () => {
  it("addresses a private group's posts to the group and its followers, never to Public", async () => {
    const { outbox } = await apiOk(mia, "GET", "/me/export");
    const items = outbox.orderedItems as { to?: string | string[]; cc?: string | string[]; object: { name?: string } }[];
    const list = (v?: string | string[]) => v == null ? [] : Array.isArray(v) ? v : [v];
    const quiet = items.find((i) => i.object.name === "Nights are the hardest")!;
    const open = items.find((i) => i.object.name === "Hello everyone")!;
    expect(quiet).toBeDefined();
    expect([...list(quiet.to), ...list(quiet.cc)]).not.toContain(PUBLIC);
    expect(list(quiet.to)).toContain(groupUri().href);
    expect(list(quiet.cc)).toContain(`${groupUri().href}/followers`);
    expect(list(open.to)).toContain(PUBLIC);
  });
});
