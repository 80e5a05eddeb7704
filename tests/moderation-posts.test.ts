/**
 * Post moderation across two live Kindred instances: a moderator on A
 * removes, restores, locks, pins and annotates posts of a group on A, and
 * B's copy follows (Lemmy's Delete / Undo, Lock / Undo, Add / Remove to the
 * featured collection, distinguished replies), over real signed HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance;
let mia: Member, alice: Member, bob: Member;
let groupUri: string;
const groupIds = new Map<Member, number>();

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  mia = await createMember(a, "mia");
  await createLocalGroup(a, { slug: "long-covid", name: "Long COVID", description: "Peer support.", owner: "mia" });
  groupUri = new URL("/@long-covid", a.url).href;
  [alice, bob] = await Promise.all([createMember(a, "alice"), createMember(b, "bob")]);
  for (const m of [mia, alice, bob]) {
    const res = await apiOk(m, "POST", "/groups/follow", { handle: groupUri });
    groupIds.set(m, res.group.id);
  }
  await waitForQueues([a, b]);
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
});

const both = () => [a, b];

/** A post as `member`'s instance has it, by URI. */
async function rowOn(instance: TestInstance, uri: string) {
  return await instance.kindred.database.db.selectFrom("posts").selectAll().where("uri", "=", uri).executeTakeFirstOrThrow();
}

async function moderate(member: Member, postId: number, action: string, reason?: string) {
  return await api(member, "POST", `/posts/${postId}/moderation`, { action, reason });
}

describe("post moderation shared by two instances", () => {
  let thread: { id: number; uri: string };
  let reply: { id: number; uri: string };

  it("sets up a thread on A with a reply from B", async () => {
    thread = (await apiOk(alice, "POST", `/groups/${groupIds.get(alice)}/threads`, {
      title: "Pacing strategies",
      body: "What works for you?",
    })).post;
    await waitForQueues(both());
    const onB = await rowOn(b, thread.uri);
    reply = (await apiOk(bob, "POST", `/posts/${onB.id}/replies`, { body: "Try miracle cure X, call 555-0100." })).post;
    await waitForQueues(both());
    expect((await rowOn(a, reply.uri)).content_html).toContain("miracle cure");
  });

  it("refuses moderation from a member who is not a moderator", async () => {
    const onA = await rowOn(a, reply.uri);
    const res = await moderate(alice, onA.id, "remove", "no");
    expect(res.status).toBe(403);
    expect((await rowOn(a, reply.uri)).removed_at).toBeNull();
    // bob is no moderator on B's copy either (and the group lives on A).
    expect((await moderate(bob, reply.id, "lock")).status).toBe(403);
  });

  it("requires a reason to remove", async () => {
    const onA = await rowOn(a, reply.uri);
    const res = await moderate(mia, onA.id, "remove", "  ");
    expect(res.status).toBe(422);
    expect(res.json.field).toBe("reason");
  });

  it("removes a reply from B: the content is kept, B's copy is removed too, bob gets the reasons", async () => {
    const onA = await rowOn(a, reply.uri);
    const { post } = await apiOk(mia, "POST", `/posts/${onA.id}/moderation`, { action: "remove", reason: "Personal details and an unproven cure" });
    expect(post.removed.reason).toBe("Personal details and an unproven cure");
    await waitForQueues(both());
    const copy = await rowOn(b, reply.uri);
    expect(copy.removed_at).toBeInstanceOf(Date);
    expect(copy.removed_reason).toBe("Personal details and an unproven cure");
    expect(copy.content_html).toContain("miracle cure");
    expect(copy.deleted_at).toBeNull();
    // A member sees a placeholder, not the content (API on B, as bob).
    const { thread: seen } = await apiOk(bob, "GET", `/posts/${reply.id}`);
    const r = seen.find((p: any) => p.uri === reply.uri);
    expect([r.contentHtml, r.removed.reason]).toEqual(["", "Personal details and an unproven cure"]);
    // The statement of reasons: a notification with the log entry, on B.
    const note = await b.kindred.database.db.selectFrom("notifications").innerJoin("moderation_log as l", "l.id", "notifications.log_id")
      .select(["notifications.kind", "l.action", "l.reason", "l.moderator_role"]).executeTakeFirst();
    expect(note).toMatchObject({ kind: "moderation", action: "remove_post", reason: "Personal details and an unproven cure" });
    // A's log has the moderator's role, not their name.
    const log = await a.kindred.database.db.selectFrom("moderation_log").selectAll().where("action", "=", "remove_post").executeTakeFirstOrThrow();
    expect(log.moderator_role).toBe("owner");
    // Removed posts are not served to the public.
    const res = await fetch(reply.uri, { headers: { Accept: "application/activity+json" } });
    expect(res.status).toBe(404);
  });

  it("shows the placeholder to members and the content with Restore to the moderator (web)", async () => {
    const onA = await rowOn(a, reply.uri);
    const threadOnA = await rowOn(a, thread.uri);
    const member = new WebClient(a);
    await member.signUp("reader");
    const page = await member.get(`/p/${threadOnA.id}`);
    expect(text(page.html)).toContain("Removed by a moderator: Personal details and an unproven cure");
    expect(page.html).not.toContain("miracle cure");
    expect(page.html).not.toContain(`/p/${onA.id}/moderate`);
    const modPage = await logInAs(a, "mia");
    const seen = await modPage.get(`/p/${threadOnA.id}`);
    expect(seen.html).toContain("miracle cure");
    expect(seen.html).toMatch(/name="action" value="restore"/);
  });

  it("restores the reply (Undo of the Delete) on both instances, from the web form", async () => {
    const onA = await rowOn(a, reply.uri);
    const threadOnA = await rowOn(a, thread.uri);
    const web = await logInAs(a, "mia");
    const page = await web.submit(`/p/${threadOnA.id}`, `/p/${onA.id}/moderate`, { action: "restore", reason: "Edited by the author" });
    expect(page.status).toBe(200);
    await waitForQueues(both());
    expect((await rowOn(a, reply.uri)).removed_at).toBeNull();
    expect((await rowOn(b, reply.uri)).removed_at).toBeNull();
  });

  it("locks the thread: no replies on either instance, and A refuses a reply that gets through", async () => {
    const threadOnA = await rowOn(a, thread.uri);
    await apiOk(mia, "POST", `/posts/${threadOnA.id}/moderation`, { action: "lock", reason: "Going in circles" });
    await waitForQueues(both());
    const copy = await rowOn(b, thread.uri);
    expect(copy.locked_at).toBeInstanceOf(Date);
    const refused = await api(bob, "POST", `/posts/${copy.id}/replies`, { body: "One more thing" });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toContain("locked");
    expect((await api(alice, "POST", `/posts/${threadOnA.id}/replies`, { body: "Me too" })).status).toBe(403);
    // A moderator may still reply.
    await apiOk(mia, "POST", `/posts/${threadOnA.id}/replies`, { body: "Summary from the moderators." });
    // B's copy forgets the lock (a peer that does not check): A still refuses.
    await b.kindred.database.db.updateTable("posts").set({ locked_at: null }).where("id", "=", copy.id).execute();
    const sneaked = (await apiOk(bob, "POST", `/posts/${copy.id}/replies`, { body: "Sneaking in" })).post;
    await waitForQueues(both());
    const onA = await a.kindred.database.db.selectFrom("posts").select("id").where("uri", "=", sneaked.uri).executeTakeFirst();
    expect(onA).toBeUndefined();
    // The web page shows the lock and no reply form to members.
    const web = new WebClient(a);
    await web.signUp("reader2");
    const page = await web.get(`/p/${threadOnA.id}`);
    expect(text(page.html)).toContain("Locked");
    expect(page.html).not.toContain(`action="/p/${threadOnA.id}/reply"`);
  });

  it("unlocks the thread (Undo of the Lock) on both instances", async () => {
    const threadOnA = await rowOn(a, thread.uri);
    await b.kindred.database.db.updateTable("posts").set({ locked_at: new Date() }).where("uri", "=", thread.uri).execute();
    await apiOk(mia, "POST", `/posts/${threadOnA.id}/moderation`, { action: "unlock" });
    await waitForQueues(both());
    expect((await rowOn(a, thread.uri)).locked_at).toBeNull();
    expect((await rowOn(b, thread.uri)).locked_at).toBeNull();
  });

  it("pins a thread: first on both instances, in the featured collection, and unpins it", async () => {
    const older = thread;
    const newer = (await apiOk(alice, "POST", `/groups/${groupIds.get(alice)}/threads`, { title: "Newer thread", body: "Hi" })).post;
    await waitForQueues(both());
    const olderOnA = await rowOn(a, older.uri);
    await apiOk(mia, "POST", `/posts/${olderOnA.id}/moderation`, { action: "pin" });
    await waitForQueues(both());
    expect((await rowOn(b, older.uri)).pinned_at).toBeInstanceOf(Date);
    const { threads } = await apiOk(bob, "GET", `/groups/${groupIds.get(bob)}/threads`);
    expect(threads.map((t: any) => t.uri)).toEqual([older.uri, newer.uri]);
    expect(threads[0].pinned).toBe(true);
    const featured = await (await fetch(`${groupUri}/featured`, { headers: { Accept: "application/activity+json" } })).json();
    expect((featured.orderedItems ?? featured.items).map((p: any) => [p.id, p.type, p.stickied])).toEqual([[older.uri, "Page", true]]);
    const page = await new WebClient(a).get("/@long-covid?sort=new");
    const html = page.html;
    expect(html.indexOf("Pacing strategies")).toBeLessThan(html.indexOf("Newer thread"));
    expect(text(html)).toContain("Pinned");
    await apiOk(mia, "POST", `/posts/${olderOnA.id}/moderation`, { action: "unpin" });
    await waitForQueues(both());
    expect((await rowOn(b, older.uri)).pinned_at).toBeNull();
  });

  it("posts a moderator note, shown as such on both instances", async () => {
    const onA = await rowOn(a, reply.uri);
    const { post: note } = await apiOk(mia, "POST", `/posts/${onA.id}/moderator-notes`, {
      body: "There is no evidence for cure X. See the NICE guideline.",
    });
    expect(note.moderatorNote).toBe(true);
    await waitForQueues(both());
    const copy = await rowOn(b, note.uri);
    expect(copy.distinguished).toBe(true);
    expect(copy.content_html).toContain("no evidence");
    const page = await new WebClient(b).get(`/p/${(await rowOn(b, thread.uri)).id}`);
    expect(text(page.html)).toContain("Moderator note");
    // A non-moderator cannot post one.
    expect((await api(alice, "POST", `/posts/${onA.id}/moderator-notes`, { body: "I moderate now" })).status).toBe(403);
  });

  it("labels a post as needing a source, logged, and clears it", async () => {
    const threadOnA = await rowOn(a, thread.uri);
    await apiOk(mia, "POST", `/posts/${threadOnA.id}/moderation`, { action: "needs-source" });
    const page = await new WebClient(a).get(`/p/${threadOnA.id}`);
    expect(text(page.html)).toContain("Needs a source");
    await apiOk(mia, "POST", `/posts/${threadOnA.id}/moderation`, { action: "source-ok" });
    expect((await rowOn(a, thread.uri)).needs_source).toBe(false);
    const actions = await a.kindred.database.db.selectFrom("moderation_log").select("action").orderBy("id").execute();
    expect(actions.map((r) => r.action)).toEqual([
      "remove_post", "restore_post", "lock_post", "unlock_post", "pin_post", "unpin_post", "moderator_note", "needs_source", "source_ok",
    ]);
  });
});

async function logInAs(instance: TestInstance, username: string): Promise<WebClient> {
  const web = new WebClient(instance);
  const page = await web.submit("/login", "/login", { username, password: `${username} has a long password` });
  expect(page.status).toBe(200);
  return web;
}
