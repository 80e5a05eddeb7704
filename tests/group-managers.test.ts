/**
 * Issue #6, item 1, for community managers: the group settings page and
 * `PATCH /api/v1/groups/:id` (name, description, rules, join policy,
 * visibility with a confirmation when it becomes less private, newcomer
 * hold; followers on other servers get `Update(Group)`), and the page of
 * pending requests to join (approve / reject, the first-member-from-a-new-
 * server warning, non-partner members of a private group refused with the
 * reason).  Two live instances: A hosts the group, B has bob.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDomainRule } from "../src/federation-policy.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance;
let olive: Member, bob: Member, lena: Member;
let oliveWeb: WebClient, lenaWeb: WebClient;
let groupId: number;

async function logInWeb(instance: TestInstance, username: string): Promise<WebClient> {
  const web = new WebClient(instance);
  const page = await web.submit("/login", "/login", { username, password: `${username} has a long password` });
  expect(page.status).toBe(200);
  return web;
}

const groupRow = () => a.kindred.database.db.selectFrom("groups").selectAll().where("slug", "=", "night-shift").executeTakeFirstOrThrow();

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  [olive, lena, bob] = await Promise.all([createMember(a, "olive"), createMember(a, "lena"), createMember(b, "bob")]);
  // A public group that needs approval: bob's request from B waits.
  await createLocalGroup(a, { slug: "night-shift", name: "Night shift", owner: "olive", joinPolicy: "approval" });
  groupId = (await a.kindred.database.db.selectFrom("actors").select("id").where("username", "=", "night-shift").where("local", "=", true)
      .executeTakeFirstOrThrow()).id;
  await apiOk(bob, "POST", "/groups/follow", { handle: new URL("/@night-shift", a.url).href });
  await waitForQueues([a, b]);
  [oliveWeb, lenaWeb] = await Promise.all([logInWeb(a, "olive"), logInWeb(a, "lena")]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
});

describe("the settings page", () => {
  it("is for the group's managers only", async () => {
    expect((await new WebClient(a).raw("GET", `/g/${groupId}/settings`)).status).toBe(303);
    expect((await lenaWeb.get(`/g/${groupId}/settings`)).status).toBe(403);
    const page = await oliveWeb.get(`/g/${groupId}/settings`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('value="Night shift"');
    expect(page.html).toContain('<legend>Who can read the group</legend>');
    expect(text(page.html)).toContain("Only approved members, the group&#39;s moderators and this server&#39;s admins can read");
    // Linked from the group page for its moderators.
    expect((await oliveWeb.get("/@night-shift")).html).toContain(`href="/g/${groupId}/settings"`);
  });

  it("refuses bad input with the reason and changes nothing", async () => {
    const before = await groupRow();
    const page = await oliveWeb.submit(`/g/${groupId}/settings`, `/g/${groupId}/settings`, {
      name: " ", description: "Changed", rules: "", joinPolicy: "approval", visibility: "public", holdFirstPosts: "1",
    });
    expect(page.status).toBe(422);
    expect(page.html).toContain("name must be 1 to 100 characters");
    const after = await groupRow();
    expect([after.name, after.summary_source, after.hold_first_posts]).toEqual([before.name, before.summary_source, before.hold_first_posts]);
    const wrong = await oliveWeb.submit(`/g/${groupId}/settings`, `/g/${groupId}/settings`, {
      name: "Night shift", description: "", rules: "", joinPolicy: "sometimes", visibility: "public", holdFirstPosts: "0",
    });
    expect(wrong.status).toBe(422);
    expect(wrong.html).toContain("join policy must be");
    // Without the page's CSRF token, nothing is accepted.
    const forged = await oliveWeb.post(`/g/${groupId}/settings`, { name: "Forged", _csrf: "nope" });
    expect(forged.status).toBe(403);
    expect((await groupRow()).name).toBe("Night shift");
  });

  it("makes a group private at once, and the refused request shows why", async () => {
    const page = await oliveWeb.submit(`/g/${groupId}/settings`, `/g/${groupId}/settings`, {
      name: "Night shift", description: "For carers **awake at night**.", rules: "Be kind.", joinPolicy: "approval",
      visibility: "private", holdFirstPosts: "2",
    });
    expect(page.status).toBe(200);
    expect(page.url.pathname).toBe(`/g/${groupId}/settings`);
    expect(page.html).toContain("Saved.");
    const row = await groupRow();
    expect([row.visibility, row.summary_source, row.rules_source, row.hold_first_posts]).toEqual(["private", "For carers **awake at night**.", "Be kind.", 2]);
    expect(row.summary_html).toContain("<strong>awake at night</strong>");
  });
});

describe("the requests page", () => {
  it("refuses a member from a server that is not a partner, with the reason, and offers no approve button", async () => {
    expect((await lenaWeb.get(`/g/${groupId}/requests`)).status).toBe(403);
    const page = await oliveWeb.get(`/g/${groupId}/requests`);
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain(`Cannot be approved: ${b.host} is not a partner server`);
    const bobId = (await a.kindred.database.db.selectFrom("actors").select("id").where("uri", "=", bob.uri).executeTakeFirstOrThrow()).id;
    expect(page.html).not.toContain('value="approve"');
    // Forcing it anyway: refused, with the reason, and bob is still waiting.
    const forced = await oliveWeb.post(`/g/${groupId}/requests/${bobId}`, { decision: "approve" }, page.html);
    expect(forced.status).toBe(422);
    expect(forced.html).toContain("is not a partner server");
    const follow = await a.kindred.database.db.selectFrom("follows").select("state").where("follower_id", "=", bobId).executeTakeFirstOrThrow();
    expect(follow.state).toBe("pending");
    const { requests } = await apiOk(olive, "GET", `/groups/${groupId}/requests`);
    expect(requests[0].refusal).toContain("is not a partner server");
  });

  it("warns that a new server's admins will read the group, then approves", async () => {
    await setDomainRule(a.kindred.database.db, null, b.host, "partner");
    const page = await oliveWeb.get(`/g/${groupId}/requests`);
    expect(text(page.html)).toContain(`the admins of ${b.host} will be able to read this group from now on`);
    expect(text(page.html)).not.toContain("Cannot be approved");
    const bobId = (await a.kindred.database.db.selectFrom("actors").select("id").where("uri", "=", bob.uri).executeTakeFirstOrThrow()).id;
    const done = await oliveWeb.post(`/g/${groupId}/requests/${bobId}`, { decision: "approve" }, page.html);
    expect(done.status).toBe(200);
    expect(done.html).toContain("Request approved");
    expect(done.html).toContain("No one is waiting.");
    await waitForQueues([a, b]);
    const { membership } = await apiOk(bob, "GET", `/groups/${(await b.kindred.database.db.selectFrom("actors").select("id")
      .where("uri", "=", new URL("/@night-shift", a.url).href).executeTakeFirstOrThrow()).id}`);
    expect(membership).toBe("accepted");
  });

  it("rejects a local request", async () => {
    await apiOk(lena, "POST", "/groups/follow", { handle: "night-shift" });
    const page = await oliveWeb.get(`/g/${groupId}/requests`);
    const lenaId = (await a.kindred.database.db.selectFrom("actors").select("id").where("username", "=", "lena").where("local", "=", true)
      .executeTakeFirstOrThrow()).id;
    expect(page.html).toContain(`/g/${groupId}/requests/${lenaId}`);
    const done = await oliveWeb.post(`/g/${groupId}/requests/${lenaId}`, { decision: "reject" }, page.html);
    expect(done.html).toContain("Request rejected.");
    expect(await a.kindred.database.db.selectFrom("follows").select("state").where("follower_id", "=", lenaId).executeTakeFirst()).toBeUndefined();
  });
});

describe("changes that reach other servers", () => {
  it("asks before making the group less private, then sends Update(Group) to followers", async () => {
    const fields = { name: "Night owls", description: "For carers awake at night.", rules: "Be kind.", joinPolicy: "approval", holdFirstPosts: "2" };
    const asked = await oliveWeb.submit(`/g/${groupId}/settings`, `/g/${groupId}/settings`, { ...fields, visibility: "public" });
    expect(asked.status).toBe(200);
    expect(asked.html).toContain("less private?");
    expect(text(asked.html)).toContain("Anyone can read the group&#39;s threads and replies");
    expect((await groupRow()).visibility).toBe("private");
    expect((await groupRow()).name).toBe("Night shift");
    // The confirmation form carries the values and the confirmation.
    expect(asked.html).toContain('name="confirm" value="yes"');
    const confirmed = await oliveWeb.post(`/g/${groupId}/settings`, { ...fields, visibility: "public", confirm: "yes" }, asked.html);
    expect(confirmed.html).toContain("Saved.");
    expect((await groupRow()).visibility).toBe("public");
    await waitForQueues([a, b]);
    const copy = await b.kindred.database.db.selectFrom("actors").select(["name", "visibility"])
      .where("uri", "=", new URL("/@night-shift", a.url).href).executeTakeFirstOrThrow();
    expect(copy.name).toBe("Night owls");
  });

  it("PATCH /api/v1/groups/:id: managers only, a confirmation to open up, clear errors", async () => {
    expect((await api(lena, "PATCH", `/groups/${groupId}`, { name: "Mine now" })).status).toBe(403);
    const bad = await api(olive, "PATCH", `/groups/${groupId}`, { visibility: "everyone" });
    expect(bad.status).toBe(422);
    expect(bad.json.field).toBe("visibility");
    const priv = await apiOk(olive, "PATCH", `/groups/${groupId}`, { visibility: "local", holdFirstPosts: 0 });
    expect(priv.settings).toMatchObject({ visibility: "local", holdFirstPosts: 0, name: "Night owls" });
    const open = await api(olive, "PATCH", `/groups/${groupId}`, { visibility: "private" });
    expect(open.status).toBe(422);
    expect(open.json.field).toBe("confirmLessPrivate");
    expect((await groupRow()).visibility).toBe("local");
    const done = await apiOk(olive, "PATCH", `/groups/${groupId}`, { visibility: "private", confirmLessPrivate: true });
    expect(done.group.visibility).toBe("private");
    expect(done.group.approvalRequired).toBe(true);
  });
});
