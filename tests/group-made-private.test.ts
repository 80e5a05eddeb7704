/**
 * Issue #7: a public group made private keeps members only on partner
 * servers (Lemmy 1.0's private communities: approved followers only; for us
 * on partner servers).  Three live instances: A hosts the group; B is a
 * partner with a member (bob); C is not a partner and has a member (carl).
 * The manager is told first who will be removed (API and web); once
 * confirmed, carl's membership ends on A, C is sent `Reject(Follow)` and
 * drops it too (carl is told), and whatever C sends to the group (a thread,
 * a vote) is refused, while bob's still counts.  A server that stops being
 * a partner later has its members' posts and votes refused too.
 */
import { Create, Like, Note } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDomain, setDomainRule } from "../src/federation-policy.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance, c: TestInstance;
let olive: Member, bob: Member, carl: Member;
let groupId: number;
let thread: { id: number; uri: string };
let oliveWeb: WebClient;
let confirmation = "";
const all = () => [a, b, c];
const groupUri = () => new URL("/@open-room", a.url);
const fedify = (i: TestInstance) => i.kindred.federation.createContext(i.url, i.kindred.contextData);

async function followState(on: TestInstance, member: Member): Promise<string | undefined> {
  const row = await on.kindred.database.db.selectFrom("follows")
    .innerJoin("actors as f", "f.id", "follows.follower_id")
    .innerJoin("actors as g", "g.id", "follows.followee_id")
    .select("follows.state")
    .where("f.uri", "=", member.uri).where("g.uri", "=", groupUri().href)
    .executeTakeFirst();
  return row?.state;
}

const visibility = async () =>
  (await a.kindred.database.db.selectFrom("groups").select("visibility").where("slug", "=", "open-room").executeTakeFirstOrThrow()).visibility;

/** A thread sent by `who` straight to the group's inbox, addressed as a private group's must be. */
async function threadFrom(from: TestInstance, who: Member, n: number): Promise<boolean> {
  const id = new URL(`/comments/${800_000 + n}`, from.url);
  const group = groupUri();
  const note = new Note({ id, attribution: new URL(who.uri), name: `Crafted ${n}`, content: `<p>Crafted ${n}</p>`, tos: [group], ccs: [new URL(`${group.href}/followers`)], audience: group });
  const create = new Create({ id: new URL(`/activities/crafted-${n}`, from.url), actor: new URL(who.uri), object: note, tos: [group], ccs: [new URL(`${group.href}/followers`)] });
  await fedify(from).sendActivity({ identifier: who.username }, { id: group, inboxId: new URL(`${group.href}/inbox`) }, create);
  await waitForQueues(all());
  return (await a.kindred.database.db.selectFrom("posts").select("id").where("uri", "=", id.href).executeTakeFirst()) != null;
}

/** A Like of the thread by `who`, straight to the group's inbox; returns the thread's like count after. */
async function likeFrom(from: TestInstance, who: Member, n: number): Promise<number> {
  const like = new Like({ id: new URL(`/activities/like-${n}`, from.url), actor: new URL(who.uri), object: new URL(thread.uri), tos: [groupUri()] });
  await fedify(from).sendActivity({ identifier: who.username }, { id: groupUri(), inboxId: new URL(`${groupUri().href}/inbox`) }, like);
  await waitForQueues(all());
  return (await a.kindred.database.db.selectFrom("posts").select("like_count").where("id", "=", thread.id).executeTakeFirstOrThrow()).like_count;
}

beforeAll(async () => {
  [a, b, c] = await Promise.all([startInstance(), startInstance(), startInstance()]);
  [olive, bob, carl] = await Promise.all([createMember(a, "olive"), createMember(b, "bob"), createMember(c, "carl")]);
  await setDomainRule(a.kindred.database.db, null, b.host, "partner");
  await createLocalGroup(a, { slug: "open-room", name: "Open room", owner: "olive" });
  groupId = (await apiOk(olive, "POST", "/groups/follow", { handle: "open-room" })).group.id;
  await apiOk(bob, "POST", "/groups/follow", { handle: groupUri().href });
  await apiOk(carl, "POST", "/groups/follow", { handle: groupUri().href });
  await waitForQueues(all());
  thread = (await apiOk(olive, "POST", `/groups/${groupId}/threads`, { title: "Welcome", body: "Say hello." })).post;
  await waitForQueues(all());
}, 120_000);

afterAll(async () => {
  await Promise.all(all().filter(Boolean).map((i) => i.stop()));
});

describe("a public group made private", () => {
  it("starts with members on both servers", async () => {
    expect(await followState(a, bob)).toBe("accepted");
    expect(await followState(a, carl)).toBe("accepted");
    expect(await followState(c, carl)).toBe("accepted");
  });

  it("tells the manager first, through the API, whom it removes; nothing changes unconfirmed", async () => {
    const res = await api(olive, "PATCH", `/groups/${groupId}`, { visibility: "private" });
    expect(res.status).toBe(422);
    expect(res.json.error).toContain(`${c.host} (1)`);
    expect(res.json.error).not.toContain(b.host);
    expect(await visibility()).toBe("public");
    expect(await followState(a, carl)).toBe("accepted");
  });

  it("tells the manager on the settings page, with a confirmation", async () => {
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "olive", password: "olive has a long password" });
    const settings = await web.get(`/g/${groupId}/settings`);
    const page = await web.post(`/g/${groupId}/settings`, {
      name: "Open room", description: "", rules: "", joinPolicy: "open", visibility: "private", holdFirstPosts: "",
    }, settings.html);
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain("remove 1 member");
    expect(text(page.html)).toContain(`${c.host} (1)`);
    expect(page.html).toContain('name="confirmRemove" value="yes"');
    expect(await visibility()).toBe("public");
    confirmation = page.html;
    oliveWeb = web;
  });

  it("once confirmed, removes carl on A and on C (told with Reject), and keeps bob", async () => {
    // The confirmation page's form, as it is: its hidden fields carry the settings and the confirmation.
    const fields = Object.fromEntries([...confirmation.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    expect(fields.confirmRemove).toBe("yes");
    const done = await oliveWeb.post(`/g/${groupId}/settings`, fields);
    expect(done.url.pathname).toBe(`/g/${groupId}/settings`);
    expect(done.html).toContain("Saved.");
    await waitForQueues(all());
    expect(await visibility()).toBe("private");
    expect(await followState(a, bob)).toBe("accepted");
    expect(await followState(a, carl)).toBeUndefined();
    expect(await followState(c, carl), "C dropped the membership on the Reject").toBeUndefined();
    const told = await c.kindred.database.db.selectFrom("notifications").select("kind").where("kind", "=", "join_rejected").execute();
    expect(told).toHaveLength(1);
  });

  it("refuses what C sends to the group afterwards, and takes bob's", async () => {
    expect(await threadFrom(c, carl, 2), "carl's thread").toBe(false);
    const before = await likeFrom(b, bob, 1);
    expect(before, "bob's like counts").toBe(1);
    expect(await likeFrom(c, carl, 2), "carl's like does not").toBe(before);
    expect(await threadFrom(b, bob, 3), "bob's thread").toBe(true);
  });

  it("refuses C's vote on the group's poll, and counts B's", async () => {
    const poll = (await apiOk(olive, "POST", `/groups/${groupId}/polls`, {
      title: "Which evening?", body: "For the call.", options: ["Monday", "Friday"], multiple: false, duration: "3d",
    })).post;
    await waitForQueues(all());
    const vote = async (from: TestInstance, who: Member, n: number) => {
      const group = groupUri();
      const note = new Note({ id: new URL(`/votes/${n}`, from.url), attribution: new URL(who.uri), name: "Friday", replyTarget: new URL(poll.uri), tos: [new URL(olive.uri)] });
      const create = new Create({ id: new URL(`/activities/vote-${n}`, from.url), actor: new URL(who.uri), object: note, tos: [new URL(olive.uri)] });
      await fedify(from).sendActivity({ identifier: who.username }, { id: group, inboxId: new URL(`${group.href}/inbox`) }, create);
      await waitForQueues(all());
      return (await a.kindred.database.db.selectFrom("poll_options").select("votes_count").where("post_id", "=", poll.id).where("name", "=", "Friday").executeTakeFirstOrThrow()).votes_count;
    };
    expect(await vote(c, carl, 1), "carl's vote").toBe(0);
    expect(await vote(b, bob, 2), "bob's vote").toBe(1);
  });

  it("refuses the posts and votes of a server that stops being a partner", async () => {
    const second = (await apiOk(olive, "POST", `/groups/${groupId}/threads`, { title: "Second", body: "More." })).post;
    await waitForQueues(all());
    await removeDomain(a.kindred.database.db, null, b.host);
    expect(await threadFrom(b, bob, 4), "bob's thread once B is no partner").toBe(false);
    thread = second;
    expect(await likeFrom(b, bob, 5), "bob's like once B is no partner").toBe(0);
  });
});
