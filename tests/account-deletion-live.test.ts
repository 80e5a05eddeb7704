/**
 * Account deletion across three live instances (issue 6, "Done when"): a
 * member of A who posted in a group on B (which C follows) deletes their
 * account; their posts become tombstones on A, B and C, their actor is
 * gone from B and C, and every tracked delivery ends delivered.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

let a: TestInstance, b: TestInstance, c: TestInstance;
let alice: Member, bob: Member, carol: Member;
const groupIds = new Map<Member, number>();
let groupUri: string;
const all = () => [a, b, c];
const PASSWORD = "alice has a long password";

beforeAll(async () => {
  [a, b, c] = await Promise.all([startInstance(), startInstance(), startInstance()]);
  await createLocalGroup(b, { slug: "long-covid", name: "Long COVID", description: "Peer support." });
  groupUri = new URL("/@long-covid", b.url).href;
  [alice, bob, carol] = await Promise.all([createMember(a, "alice"), createMember(b, "bob"), createMember(c, "carol")]);
  for (const m of [alice, bob, carol]) {
    const res = await apiOk(m, "POST", "/groups/follow", { handle: m === bob ? "long-covid" : groupUri });
    groupIds.set(m, res.group.id);
  }
  await waitForQueues(all());
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b, c].filter(Boolean).map((i) => i.stop()));
});

/** A post as an instance stores it. */
async function stored(instance: TestInstance, uri: string) {
  return await instance.kindred.database.db.selectFrom("posts")
    .select(["title", "content_html", "source", "deleted_at", "like_count"]).where("uri", "=", uri).executeTakeFirst();
}

async function waitForDeliveries(instance: TestInstance, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ n: number }>`select cast(count(*) as int) as n from deletion_deliveries
      where state = 'pending'`.execute(instance.kindred.database.db);
    if (rows[0].n === 0) return;
    if (Date.now() > deadline) throw new Error(`${rows[0].n} deliveries still pending`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("deleting an account", () => {
  let threadUri: string, replyUri: string, bobThreadUri: string;

  it("starts from posts, a reply and a vote seen on all three instances", async () => {
    const { post } = await apiOk(alice, "POST", `/groups/${groupIds.get(alice)}/threads`, {
      title: "My diagnosis story",
      body: "I was diagnosed with **POTS** in March.",
    });
    threadUri = post.uri;
    const bobs = await apiOk(bob, "POST", `/groups/${groupIds.get(bob)}/threads`, { title: "Pacing tips", body: "Rest often." });
    bobThreadUri = bobs.post.uri;
    await waitForQueues(all());
    const onA = await a.kindred.database.db.selectFrom("posts").select("id").where("uri", "=", bobThreadUri).executeTakeFirstOrThrow();
    const reply = await apiOk(alice, "POST", `/posts/${onA.id}/replies`, { body: "Thank you, my cardiologist said the same." });
    replyUri = reply.post.uri;
    await apiOk(alice, "PUT", `/posts/${onA.id}/vote`, { value: 1 });
    await waitForQueues(all());
    for (const i of all()) {
      expect((await stored(i, threadUri))?.content_html).toContain("POTS");
      expect((await stored(i, replyUri))?.content_html).toContain("cardiologist");
      expect((await stored(i, bobThreadUri))?.like_count).toBe(1);
    }
  });

  it("refuses a wrong password and keeps everything", async () => {
    const res = await api(alice, "DELETE", "/me", { password: "not my password" });
    expect(res.status).toBe(422);
    expect((await stored(a, threadUri))?.content_html).toContain("POTS");
  });

  it("erases the account here and removes its content from the other two", async () => {
    const res = await apiOk(alice, "DELETE", "/me", { password: PASSWORD });
    expect(res.deleted).toBe(true);
    expect(res.deliveries).toBeGreaterThan(0);
    // On A at once.
    const local = await stored(a, threadUri);
    expect(local?.deleted_at).not.toBeNull();
    expect(local?.content_html).toBe("");
    await waitForDeliveries(a);
    await waitForQueues(all());
    for (const i of all()) {
      for (const uri of [threadUri, replyUri]) {
        const post = await stored(i, uri);
        expect(post, `${uri} on ${i.host}`).toBeDefined();
        expect(post!.deleted_at, `${uri} on ${i.host}`).not.toBeNull();
        expect(post!.content_html).toBe("");
        expect(post!.title).toBeNull();
        expect(post!.source).toBeNull();
      }
      // The thread she replied in keeps its shape, without her vote.
      const bobs = await stored(i, bobThreadUri);
      expect(bobs?.deleted_at).toBeNull();
      expect(bobs?.like_count, `votes on ${i.host}`).toBe(0);
    }
  });

  it("tracks every delivery until delivered", async () => {
    const rows = await a.kindred.database.db.selectFrom("deletion_deliveries").selectAll().execute();
    // Two posts and the actor, each to B's shared inbox (C learns through the group).
    expect(rows.length).toBe(3);
    for (const row of rows) {
      expect(row.state, `${row.activity_uri} to ${row.inbox_url}: ${row.last_error}`).toBe("delivered");
      expect(row.attempts).toBe(1);
      expect(row.inbox_url.startsWith(b.url.origin)).toBe(true);
    }
  });

  it("makes the actor gone: 410 on A, deleted on B and C, no longer a member anywhere", async () => {
    const res = await fetch(alice.uri, { headers: { Accept: "application/activity+json" } });
    expect(res.status).toBe(410);
    expect((await res.json()).type).toBe("Tombstone");
    for (const i of [b, c]) {
      const actor = await i.kindred.database.db.selectFrom("actors").selectAll().where("uri", "=", alice.uri).executeTakeFirst();
      expect(actor, `on ${i.host}`).toBeDefined();
      expect(actor!.deleted_at, `on ${i.host}`).not.toBeNull();
      expect(actor!.name).toBeNull();
      const follows = await i.kindred.database.db.selectFrom("follows").select("followee_id")
        .where("follower_id", "=", actor!.id).execute();
      expect(follows).toEqual([]);
    }
  });

  it("ends the member's sessions and log-in", async () => {
    expect((await api(alice, "GET", "/me/export")).status).toBe(401);
    const login = await fetch(new URL("/api/v1/sessions", a.url), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "alice", password: PASSWORD }),
    });
    expect(login.status).toBe(401);
  });
});
