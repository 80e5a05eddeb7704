/**
 * Bans and moderators across three live Kindred instances: the owner on A
 * appoints a moderator who lives on B; that moderator bans from B a member
 * of A's group (with removal of their posts), the ban reaches A and every
 * follower's copy; banned members cannot post until the ban ends or is
 * lifted; a dismissed moderator can no longer ban.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

let a: TestInstance, b: TestInstance, c: TestInstance;
let olive: Member, dave: Member, bob: Member, mallory: Member, carol: Member;
const groupIds = new Map<Member, number>();
let groupUri: string;
const all = () => [a, b, c];

beforeAll(async () => {
  [a, b, c] = await Promise.all([startInstance(), startInstance(), startInstance()]);
  [olive, dave, bob, mallory, carol] = await Promise.all([
    createMember(a, "olive"),
    createMember(a, "dave"),
    createMember(b, "bob"),
    createMember(b, "mallory"),
    createMember(c, "carol"),
  ]);
  await createLocalGroup(a, { slug: "peer-circle", name: "Peer circle", owner: "olive" });
  groupUri = new URL("/@peer-circle", a.url).href;
  for (const m of [olive, dave, bob, mallory, carol]) {
    const res = await apiOk(m, "POST", "/groups/follow", { handle: m.instance === a ? "peer-circle" : groupUri });
    groupIds.set(m, res.group.id);
  }
  await waitForQueues(all());
}, 120_000);
afterAll(async () => {
  await Promise.all(all().filter(Boolean).map((i) => i.stop()));
});

async function staffOn(member: Member) {
  const { staff } = await apiOk(member, "GET", `/groups/${groupIds.get(member)}/staff`);
  return (staff as any[]).map((s) => [s.uri, s.role]);
}

async function banRow(instance: TestInstance, who: Member) {
  const db = instance.kindred.database.db;
  return await db.selectFrom("group_bans")
    .innerJoin("actors as g", "g.id", "group_bans.group_actor_id")
    .innerJoin("actors as p", "p.id", "group_bans.actor_id")
    .selectAll("group_bans")
    .where("g.uri", "=", groupUri).where("p.uri", "=", who.uri).executeTakeFirst();
}

describe("moderators and bans across instances", () => {
  let malloryThread: { id: number; uri: string };

  it("lets a member post before any ban", async () => {
    const { post } = await apiOk(mallory, "POST", `/groups/${groupIds.get(mallory)}/threads`, {
      title: "Buy my miracle cure",
      body: "It cures everything.",
    });
    malloryThread = post;
    await waitForQueues(all());
    const row = await a.kindred.database.db.selectFrom("posts").selectAll().where("uri", "=", post.uri).executeTakeFirst();
    expect(row?.removed_at).toBeNull();
  });

  it("lets only the owner appoint moderators, and lists a remote moderator everywhere", async () => {
    const refused = await api(dave, "POST", `/groups/${groupIds.get(dave)}/staff`, { handle: bob.uri, role: "moderator" });
    expect(refused.status).toBe(403);
    await apiOk(olive, "POST", `/groups/${groupIds.get(olive)}/staff`, { handle: bob.uri, role: "moderator" });
    await apiOk(olive, "POST", `/groups/${groupIds.get(olive)}/staff`, { handle: "dave", role: "mentor" });
    await waitForQueues(all());
    const collection = await (await fetch(`${groupUri}/moderators`, { headers: { Accept: "application/activity+json" } }))
      .json();
    expect(collection.orderedItems).toEqual([olive.uri, bob.uri]);
    expect(await staffOn(olive)).toEqual([[olive.uri, "owner"], [bob.uri, "moderator"], [dave.uri, "mentor"]]);
    // B and C learnt of the appointment from the group's Announce(Add).
    expect(await staffOn(bob)).toContainEqual([bob.uri, "moderator"]);
    expect(await staffOn(carol)).toContainEqual([bob.uri, "moderator"]);
    const log = await a.kindred.database.db.selectFrom("moderation_log").select(["action", "moderator_role"])
      .orderBy("id").execute();
    expect(log).toEqual([
      { action: "appoint moderator", moderator_role: "owner" },
      { action: "appoint mentor", moderator_role: "owner" },
    ]);
  });

  it("lets the remote moderator ban from B; the ban and the removal reach A and the followers", async () => {
    const res = await api(bob, "POST", `/groups/${groupIds.get(bob)}/bans`, {
      actor: mallory.uri,
      reason: "Selling fake cures",
      days: 7,
      removeData: true,
    });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    await waitForQueues(all());
    for (const instance of all()) {
      const ban = await banRow(instance, mallory);
      expect(ban?.reason, `ban on ${instance.host}`).toBe("Selling fake cures");
      const days = (ban!.expires_at!.getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(6.9);
      expect(days).toBeLessThan(7.1);
    }
    const onA = await a.kindred.database.db.selectFrom("posts").selectAll().where("uri", "=", malloryThread.uri)
      .executeTakeFirstOrThrow();
    expect(onA.removed_at).toBeInstanceOf(Date);
    expect(onA.removed_reason).toBe("Selling fake cures");
    const entry = await a.kindred.database.db.selectFrom("moderation_log").selectAll()
      .where("action", "=", "ban and remove content").executeTakeFirstOrThrow();
    expect(entry.moderator_role).toBe("remote moderator");
    // Mallory's own server told her why (statement of reasons).
    const note = await b.kindred.database.db.selectFrom("notifications")
      .innerJoin("accounts", "accounts.id", "notifications.account_id")
      .innerJoin("moderation_log as l", "l.id", "notifications.log_id")
      .select(["l.action", "l.reason"])
      .where("notifications.kind", "=", "moderation").where("accounts.username", "=", "mallory").execute();
    expect(note).toEqual([{ action: "ban and remove content", reason: "Selling fake cures" }]);
  });

  it("keeps the banned member from posting, replying and voting", async () => {
    const thread = await api(mallory, "POST", `/groups/${groupIds.get(mallory)}/threads`, { title: "Again", body: "x" });
    expect(thread.status).toBe(403);
    expect(thread.json.error).toMatch(/banned from this group until .*Selling fake cures/);
    const vote = await api(mallory, "PUT", `/posts/${malloryThread.id}/vote`, { value: 1 });
    expect(vote.status).toBe(403);
  });

  it("refuses at A a post from a banned member even if their server lets it through", async () => {
    await apiOk(olive, "POST", `/groups/${groupIds.get(olive)}/bans`, { actor: carol.uri, reason: "Harassment" });
    await waitForQueues(all());
    expect(await banRow(c, carol)).toBeDefined();
    // C forgets the ban (an old or careless server): A still refuses.
    await c.kindred.database.db.deleteFrom("group_bans").execute();
    const { post } = await apiOk(carol, "POST", `/groups/${groupIds.get(carol)}/threads`, { title: "Hi", body: "I'm back" });
    await waitForQueues(all());
    const onA = await a.kindred.database.db.selectFrom("posts").select("id").where("uri", "=", post.uri).executeTakeFirst();
    expect(onA).toBeUndefined();
  });

  it("lets a local ban end at its expiry, with no job to lift it", async () => {
    await apiOk(olive, "POST", `/groups/${groupIds.get(olive)}/bans`, { actor: "dave", reason: "Cool off", days: 1 });
    const refused = await api(dave, "POST", `/groups/${groupIds.get(dave)}/threads`, { title: "t", body: "b" });
    expect(refused.status).toBe(403);
    await a.kindred.database.db.updateTable("group_bans").set({ expires_at: new Date(Date.now() - 1000) })
      .where("actor_id", "=", groupIds.get(dave) ? (await actorId(a, dave)) : 0).execute();
    await apiOk(dave, "POST", `/groups/${groupIds.get(dave)}/threads`, { title: "t", body: "b" });
  });

  it("lets the remote moderator lift the ban", async () => {
    const bobView = await apiOk(bob, "GET", `/groups/${groupIds.get(bob)}/bans`);
    const target = bobView.bans.find((x: any) => x.actor.uri === mallory.uri);
    expect(target).toBeDefined();
    await apiOk(bob, "DELETE", `/groups/${groupIds.get(bob)}/bans/${target.actor.id}`);
    await waitForQueues(all());
    for (const instance of all()) expect(await banRow(instance, mallory), instance.host).toBeUndefined();
    await apiOk(mallory, "POST", `/groups/${groupIds.get(mallory)}/threads`, { title: "Sorry", body: "No more ads." });
  });

  it("takes a dismissed moderator's powers away everywhere", async () => {
    await apiOk(olive, "DELETE", `/groups/${groupIds.get(olive)}/staff/${await actorId(a, bob)}`);
    await waitForQueues(all());
    expect(await staffOn(bob)).not.toContainEqual([bob.uri, "moderator"]);
    const res = await api(bob, "POST", `/groups/${groupIds.get(bob)}/bans`, { actor: mallory.uri, reason: "again" });
    expect(res.status).toBe(403);
    expect(await banRow(a, mallory)).toBeUndefined();
  });
});

async function actorId(instance: TestInstance, member: Member): Promise<number> {
  const row = await instance.kindred.database.db.selectFrom("actors").select("id").where("uri", "=", member.uri)
    .executeTakeFirstOrThrow();
  return row.id;
}

describe("a banned member following again", () => {
  it("is rejected by the group's server, whatever their own server remembers", async () => {
    // Carol was banned at A (and C forgot the ban): leaving and following again does not let her back in.
    await apiOk(carol, "POST", `/groups/${groupIds.get(carol)}/leave`);
    await waitForQueues(all());
    await apiOk(carol, "POST", "/groups/follow", { handle: groupUri });
    await waitForQueues(all());
    const onA = await a.kindred.database.db.selectFrom("follows")
      .innerJoin("actors", "actors.id", "follows.follower_id")
      .select("follows.state").where("actors.uri", "=", carol.uri).execute();
    expect(onA).toEqual([]);
    const { membership } = await apiOk(carol, "GET", `/groups/${groupIds.get(carol)}`);
    expect(membership).toBeNull();
  });

  it("is refused on the group's own instance with the reason", async () => {
    await apiOk(olive, "POST", `/groups/${groupIds.get(olive)}/bans`, { actor: dave.uri, reason: "Spam" });
    await apiOk(dave, "POST", `/groups/${groupIds.get(dave)}/leave`);
    const again = await api(dave, "POST", "/groups/follow", { handle: "peer-circle" });
    expect(again.status).toBe(403);
    expect(again.json.error).toMatch(/banned from this group .*Spam/);
  });
});
