/**
 * Caregivers (issue 9, item 2) over real HTTP between two instances: a group
 * marked for caregivers (settings, page, directory, its Group actor); a
 * caregivers' space opened beside a patients' group (moderators only, once,
 * linked both ways, same rules and staff); the badge a member shows in one
 * group ("join as a caregiver") over their profile's; the thread list
 * filtered by the badge of a thread's author, on the page and in the API,
 * for members here and on another Kindred (whose badge comes with their
 * actor, and follows their profile changes).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setMemberType } from "../db/web-members.ts";
import { addGroupStaff } from "../db/groups.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text as tagless, WebClient } from "./helpers/web.ts";

/** A page's text, apostrophes and ampersands as written. */
const text = (html: string) => tagless(html).replaceAll("&#39;", "'").replaceAll("&amp;", "&");

let a: TestInstance, b: TestInstance;
let owner: Member, pat: Member, carer: Member, dual: Member, remote: Member;
let groupId: number, otherGroupId: number;
const web = {} as Record<"owner" | "dual" | "pat" | "remote", WebClient>;

async function accountId(instance: TestInstance, username: string): Promise<number> {
  const row = await instance.kindred.database.db.selectFrom("accounts").select("id").where("username", "=", username)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function logIn(instance: TestInstance, username: string): Promise<WebClient> {
  const client = new WebClient(instance);
  await client.submit("/login", "/login", { username, password: `${username} has a long password` });
  return client;
}

/** Titles of the threads the group page lists with `query`. */
async function listed(client: WebClient, query: string): Promise<string[]> {
  const page = await client.get(`/@carers-circle${query}`);
  expect(page.status).toBe(200);
  return [...page.html.matchAll(/<a href="[^"]+" class="thread-title">([^<]+)<\/a>/g)].map((m) => m[1]).sort();
}

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  [owner, pat, carer, dual, remote] = await Promise.all([
    createMember(a, "owner"), createMember(a, "pat"), createMember(a, "carer"), createMember(a, "dual"), createMember(b, "faraway"),
  ]);
  const db = a.kindred.database.db;
  await setMemberType(db, await accountId(a, "pat"), "patient");
  await setMemberType(db, await accountId(a, "carer"), "caregiver");
  await setMemberType(db, await accountId(a, "dual"), "patient");
  await setMemberType(b.kindred.database.db, await accountId(b, "faraway"), "caregiver");
  await createLocalGroup(a, { slug: "carers-circle", name: "Dementia circle", owner: "owner" });
  await createLocalGroup(a, { slug: "diabetes", name: "Type 1 diabetes", owner: "owner" });
  groupId = (await apiOk(owner, "POST", "/groups/follow", { handle: "carers-circle" })).group.id;
  otherGroupId = (await apiOk(dual, "POST", "/groups/follow", { handle: "diabetes" })).group.id;
  [web.owner, web.dual, web.pat] = await Promise.all([logIn(a, "owner"), logIn(a, "dual"), logIn(a, "pat")]);
  web.remote = await logIn(b, "faraway");
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
});

describe("a group for caregivers", () => {
  it("is set by its managers, shown on its page and in the directory, and on its Group actor", async () => {
    const bad = await api(owner, "PATCH", `/groups/${groupId}`, { audience: "relatives" });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.json)).toContain("audience");
    expect((await apiOk(owner, "GET", `/groups/${groupId}/spaces`)).audience).toBe("everyone");
    expect((await api(pat, "PATCH", `/groups/${groupId}`, { audience: "caregivers" })).status).toBe(403);

    const form = { name: "Dementia circle", description: "", rules: "", joinPolicy: "open", visibility: "public", holdFirstPosts: "0" };
    const wrong = await web.owner.submit(`/g/${groupId}/settings`, `/g/${groupId}/settings`, { ...form, audience: "nurses" });
    expect(wrong.status).toBe(422);
    expect(wrong.html).toContain('id="audience-caregivers"');
    const saved = await web.owner.submit(`/g/${groupId}/settings`, `/g/${groupId}/settings`, { ...form, audience: "caregivers" });
    expect(saved.status).toBe(200);
    expect((await apiOk(owner, "GET", `/groups/${groupId}/spaces`)).audience).toBe("caregivers");
    expect(text((await web.pat.get("/@carers-circle")).html)).toContain("For caregivers and family");
    const directory = await web.pat.get("/groups");
    expect(directory.html).toMatch(/Dementia circle<\/a>[^]*?For caregivers and family[^]*?Type 1 diabetes/);
    const groups = (await apiOk(pat, "GET", "/groups")).groups as { slug: string; audience: string }[];
    expect(groups.find((g) => g.slug === "carers-circle")?.audience).toBe("caregivers");
    expect(groups.find((g) => g.slug === "diabetes")?.audience).toBe("everyone");

    const actor = await (await fetch(new URL("/@carers-circle", a.url), { headers: { Accept: "application/activity+json" } })).json();
    expect(actor.intendedFor).toBe("caregivers");
    expect(JSON.stringify(actor["@context"])).toContain("https://w3id.org/kindred/ns#");
    await apiOk(owner, "PATCH", `/groups/${groupId}`, { audience: "patients" });
    expect(text((await web.pat.get("/@carers-circle")).html)).toContain("For patients");
  });
});

describe("a caregivers' space", () => {
  it("is opened beside a patients' group by its owner only, once, with the same rules, tags and staff, linked both ways", async () => {
    await apiOk(owner, "PATCH", `/groups/${groupId}`, { rules: "Be kind.", conditionTags: "ICD10:F03 Dementia" });
    const page = await web.pat.get("/@carers-circle");
    expect(page.html).not.toContain("caregivers-space");
    const refused = await web.pat.post(`/g/${groupId}/caregivers-space`, {}, page.html);
    expect(refused.status).toBe(403);
    // A moderator may not either: it makes a group, which only owners (of their group's space) and admins do.
    const db = a.kindred.database.db;
    const carerActor = await db.selectFrom("actors").select("id").where("uri", "=", carer.uri).executeTakeFirstOrThrow();
    await addGroupStaff(db, groupId, carerActor.id, "moderator");
    const byModerator = await api(carer, "POST", `/groups/${groupId}/caregivers-space`, {});
    expect(byModerator.status).toBe(403);
    expect(JSON.stringify(byModerator.json)).toContain("owner");
    expect(await a.kindred.database.db.selectFrom("groups").select("id").where("slug", "=", "carers-circle-caregivers").executeTakeFirst())
      .toBeUndefined();

    const opened = await web.owner.submit("/@carers-circle", `/g/${groupId}/caregivers-space`, {});
    expect(opened.status).toBe(200);
    expect(opened.url.pathname).toBe("/@carers-circle-caregivers");
    expect(text(opened.html)).toContain("This is the caregivers' and family space of Dementia circle");
    expect(text(opened.html)).toContain("For caregivers and family");
    expect(text(opened.html)).toContain("Be kind.");
    expect(text(opened.html)).toContain(`@owner@${a.host}`);
    expect(text(opened.html)).toContain(`@carer@${a.host}`);
    const row = await db.selectFrom("groups").select(["condition_tags", "audience"]).where("slug", "=", "carers-circle-caregivers")
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ audience: "caregivers", condition_tags: [{ code: "ICD10:F03", label: "Dementia" }] });
    const main = await web.pat.get("/@carers-circle");
    expect(main.html).toContain('href="/@carers-circle-caregivers"');
    expect(text(main.html)).toContain("Caring for someone?");

    const spaces = await apiOk(pat, "GET", `/groups/${groupId}/spaces`);
    expect(spaces.caregiversSpace.handle).toBe(`@carers-circle-caregivers@${a.host}`);
    const space = await apiOk(pat, "GET", `/groups/${spaces.caregiversSpace.id}/spaces`);
    expect(space).toMatchObject({ audience: "caregivers", mainGroup: { id: groupId } });
    const actor = await (await fetch(new URL("/@carers-circle", a.url), { headers: { Accept: "application/activity+json" } })).json();
    expect(actor.caregiversSpace).toBe(new URL("/@carers-circle-caregivers", a.url).href);

    const again = await api(owner, "POST", `/groups/${groupId}/caregivers-space`, {});
    expect(again.status).toBe(422);
    expect(again.json.error).toContain("already has a caregivers' space");
    const ofSpace = await api(owner, "POST", `/groups/${spaces.caregiversSpace.id}/caregivers-space`, {});
    expect(ofSpace.status).toBe(422);
    const taken = await api(owner, "POST", `/groups/${otherGroupId}/caregivers-space`, { slug: "carers-circle" });
    expect(taken.status).toBe(422);
    expect(taken.json.error).toContain("taken");
    const count = async () =>
      Number((await db.selectFrom("groups").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
    expect(await count()).toBe(3);

    // Two requests at once make one space, not two.
    const both = await Promise.all([1, 2].map(() => api(owner, "POST", `/groups/${otherGroupId}/caregivers-space`, {})));
    expect(both.filter((r) => r.status === 201)).toHaveLength(1);
    expect(both.filter((r) => r.status === 409 || r.status === 422)).toHaveLength(1);
    expect(await count()).toBe(4);
    // A long name still makes a valid one.
    const long = "a".repeat(60);
    await createLocalGroup(a, { slug: long, name: "Long", owner: "owner" });
    const longId = (await apiOk(owner, "POST", "/groups/follow", { handle: long })).group.id;
    const made = await apiOk(owner, "POST", `/groups/${longId}/caregivers-space`, {});
    expect(made.group.handle).toBe(`@${"a".repeat(52)}-caregivers@${a.host}`);
  });

  it("is linked only where the reader may see it", async () => {
    const spaceId = (await apiOk(pat, "GET", `/groups/${groupId}/spaces`)).caregiversSpace.id;
    await apiOk(owner, "PATCH", `/groups/${spaceId}`, { visibility: "local" });
    try {
      const anonymous = await (await fetch(new URL("/@carers-circle", a.url))).text();
      expect(anonymous).not.toContain("carers-circle-caregivers");
      expect(anonymous).not.toContain("Caring for someone?");
      expect((await web.pat.get("/@carers-circle")).html).toContain('href="/@carers-circle-caregivers"');
      const actor = await (await fetch(new URL("/@carers-circle", a.url), { headers: { Accept: "application/activity+json" } })).json();
      expect(actor.caregiversSpace).toBeUndefined();
    } finally {
      await apiOk(owner, "PATCH", `/groups/${spaceId}`, { visibility: "public", confirmLessPrivate: true });
    }
  });
});

describe("member-type badges", () => {
  const titles = { pat: "Newly diagnosed", carer: "Caring for my dad", dual: "Looking after my mum", remote: "Night shifts at home" };

  beforeAll(async () => {
    await apiOk(pat, "POST", "/groups/follow", { handle: "carers-circle" });
    await apiOk(carer, "POST", "/groups/follow", { handle: "carers-circle" });
    // Bad input first: nothing joined.
    const page = await web.dual.get("/@carers-circle");
    expect(page.html).toContain('name="member_type"');
    const bad = await web.dual.post(`/g/${groupId}/join`, { member_type: "nurse" }, page.html);
    expect(bad.status).toBe(422);
    expect((await apiOk(dual, "GET", `/groups/${groupId}`)).membership).toBeNull();
    // A patient in their own right, who joins this group as a caregiver.
    const joined = await web.dual.post(`/g/${groupId}/join`, { member_type: "caregiver" }, page.html);
    expect(joined.status).toBe(200);
    await apiOk(remote, "POST", "/groups/follow", { handle: new URL("/@carers-circle", a.url).href });
    await waitForQueues([a, b]);
    for (const [who, member] of [["pat", pat], ["carer", carer], ["dual", dual]] as const) {
      await apiOk(member, "POST", `/groups/${groupId}/threads`, { title: titles[who], body: "Hello all." });
    }
    const remoteGroup = (await apiOk(remote, "POST", "/groups/follow", { handle: new URL("/@carers-circle", a.url).href })).group.id;
    await apiOk(remote, "POST", `/groups/${remoteGroup}/threads`, { title: titles.remote, body: "Hello from afar." });
    await waitForQueues([a, b]);
    await apiOk(dual, "POST", `/groups/${otherGroupId}/threads`, { title: "My own diagnosis", body: "Type 1 since May." });
  }, 60_000);

  it("filter the thread list by the badge the author shows in the group, on the page and in the API", async () => {
    expect(await listed(web.pat, "")).toEqual(Object.values(titles).sort());
    expect(await listed(web.pat, "?member=caregiver")).toEqual([titles.carer, titles.dual, titles.remote].sort());
    expect(await listed(web.pat, "?member=patient")).toEqual([titles.pat]);
    expect(await listed(web.pat, "?member=supporter")).toEqual([]);
    const page = await web.pat.get("/@carers-circle?member=caregiver&sort=new");
    expect(page.html).toMatch(/<a href="\/@carers-circle\?sort=new&amp;member=caregiver" aria-current="page">Caregiver \/ family<\/a>/);
    expect(page.html).toContain('href="/@carers-circle?sort=top&amp;member=caregiver"');

    const threads = (await apiOk(pat, "GET", `/groups/${groupId}/threads?memberType=caregiver`)).threads as any[];
    expect(threads.map((t) => t.title).sort()).toEqual([titles.carer, titles.dual, titles.remote].sort());
    expect(threads.every((t) => t.author.memberType === "caregiver")).toBe(true);
    const all = (await apiOk(pat, "GET", `/groups/${groupId}/threads`)).threads as any[];
    const byTitle = Object.fromEntries(all.map((t) => [t.title, t.author.memberType]));
    expect(byTitle).toEqual({ [titles.pat]: "patient", [titles.carer]: "caregiver", [titles.dual]: "caregiver", [titles.remote]: "caregiver" });
    const bad = await api(pat, "GET", `/groups/${groupId}/threads?memberType=nurse`);
    expect(bad.status).toBe(422);
  });

  it("are chosen per group: a caregiver here is not taken for a patient, and stays a patient elsewhere", async () => {
    const thread = (await apiOk(pat, "GET", `/groups/${groupId}/threads`)).threads.find((t: any) => t.title === titles.dual);
    const page = await web.pat.get(`/p/${thread.id}`);
    expect(page.html).toMatch(/<span class="badge member-caregiver">Caregiver \/ family<\/span>/);
    expect(page.html).not.toContain("badge member-patient");
    const other = (await apiOk(dual, "GET", `/groups/${otherGroupId}/threads`)).threads[0];
    expect(other.author.memberType).toBe("patient");
    expect((await apiOk(dual, "GET", `/groups/${groupId}/spaces`)).memberType).toBe("caregiver");

    // Back to the profile's badge, and bad input that changes nothing.
    expect((await api(dual, "PUT", `/groups/${groupId}/member-type`, { memberType: "nurse" })).status).toBe(422);
    expect((await apiOk(dual, "GET", `/groups/${groupId}/spaces`)).memberType).toBe("caregiver");
    const notMember = await api(owner, "PUT", `/groups/${otherGroupId}/member-type`, { memberType: "supporter" });
    expect(notMember.status).toBe(422);
    expect(notMember.json.error).toContain("join the group first");
    const form = await web.dual.get("/@carers-circle");
    expect(form.html).toContain(`action="/g/${groupId}/member-type"`);
    expect(form.html).toMatch(/<option value="caregiver" selected="">Caregiver \/ family<\/option>/);
    await web.dual.post(`/g/${groupId}/member-type`, { member_type: "profile" }, form.html);
    expect((await apiOk(dual, "GET", `/groups/${groupId}/spaces`)).memberType).toBeNull();
    expect(await listed(web.pat, "?member=patient")).toEqual([titles.dual, titles.pat].sort());
    await apiOk(dual, "PUT", `/groups/${groupId}/member-type`, { memberType: "caregiver" });
    expect(await listed(web.pat, "?member=patient")).toEqual([titles.pat]);
  });

  it("of members on another Kindred come with their actor and follow their profile changes", async () => {
    const person = await (await fetch(remote.uri, { headers: { Accept: "application/activity+json" } })).json();
    expect(person.memberType).toBe("caregiver");
    const saved = await web.remote.submit("/settings", "/settings/profile", { display_name: "Far away", bio: "", member_type: "supporter" });
    expect(saved.status).toBe(200);
    await waitForQueues([a, b]);
    expect(await listed(web.pat, "?member=supporter")).toEqual([titles.remote]);
    expect(await listed(web.pat, "?member=caregiver")).toEqual([titles.carer, titles.dual].sort());
    // A member's own server speaks for its member only: a profile without a badge clears it.
    await web.remote.submit("/settings", "/settings/profile", { display_name: "Far away", bio: "", member_type: "" });
    await waitForQueues([a, b]);
    expect(await listed(web.pat, "?member=supporter")).toEqual([]);
  });
});

describe("a member's badges and their data", () => {
  it("are in their export, and go with their account", async () => {
    const exported = await (await fetch(new URL("/api/v1/me/export", a.url), { headers: { Authorization: `Bearer ${dual.token}` } })).json();
    const here = exported.data.memberships.find((m: { group: string }) => m.group === new URL("/@carers-circle", a.url).href);
    expect(here.member_type).toBe("caregiver");
    expect(exported.data.account.member_type).toBe("patient");
    expect((await api(dual, "DELETE", "/me", { password: "dual has a long password" })).status).toBeLessThan(300);
    const actor = await a.kindred.database.db.selectFrom("actors").select("member_type").where("uri", "=", dual.uri)
      .executeTakeFirstOrThrow();
    expect(actor.member_type).toBeNull();
  });
});
