/**
 * Instance admins and group staff on the web pages, the API and the CLI:
 * suspensions (no log-in, sessions and tokens end), instance-wide blocks of
 * a remote actor (nothing accepted, shown or sent), the verified-clinician
 * and mentor badges, and the ban form.  Two live instances.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { logIn } from "../src/auth.ts";
import { runCommand } from "../src/cli/commands.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance;
let admin: Member, owner: Member, dave: Member, erin: Member, bob: Member;
let groupId: number, bobGroupId: number;
let threadId: number;
const PASSWORD = "ada has a long password";

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  await createAccount(a.kindred.database.db, a.url, { username: "ada", password: PASSWORD, role: "admin" });
  admin = {
    instance: a,
    username: "ada",
    token: (await logIn(a.kindred.database.db, "ada", PASSWORD))!,
    uri: new URL("/@ada", a.url).href,
  };
  [owner, dave, erin, bob] = await Promise.all([
    createMember(a, "owner"),
    createMember(a, "dave"),
    createMember(a, "erin"),
    createMember(b, "bob"),
  ]);
  await createLocalGroup(a, { slug: "heart", name: "Heart support", owner: "owner" });
  for (const m of [owner, dave, erin]) groupId = (await apiOk(m, "POST", "/groups/follow", { handle: "heart" })).group.id;
  bobGroupId = (await apiOk(bob, "POST", "/groups/follow", { handle: new URL("/@heart", a.url).href })).group.id;
  await waitForQueues([a, b]);
  threadId = (await apiOk(dave, "POST", `/groups/${groupId}/threads`, { title: "Beta blockers", body: "Tips?" })).post.id;
  await apiOk(erin, "POST", `/posts/${threadId}/replies`, { body: "Take them with food." });
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
});

const cli = (argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  return runCommand(argv, {
    db: a.kindred.database.db,
    origin: a.url,
    fedify: () => a.kindred.federation.createContext(a.url, a.kindred.contextData),
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  }).then((code) => ({ code, out: out.join("\n"), err: err.join("\n") }));
};

async function logAction(action: string) {
  return await a.kindred.database.db.selectFrom("moderation_log").selectAll().where("action", "=", action)
    .orderBy("id", "desc").executeTakeFirst();
}

describe("badges", () => {
  it("shows 'Verified clinician' granted by the CLI, and 'Mentor' appointed by the owner, next to names", async () => {
    expect((await cli(["account", "clinician", "erin", "--grant"])).code).toBe(0);
    expect((await cli(["account", "clinician", "erin"])).code).toBe(2);
    await apiOk(owner, "POST", `/groups/${groupId}/staff`, { handle: "dave", role: "mentor" });
    const page = text(await (await fetch(new URL(`/p/${threadId}`, a.url))).text());
    expect(page).toMatch(/Take them with food|erin/);
    expect(page).toContain("erin Verified clinician");
    expect(page).toContain("dave Mentor");
    const profile = text(await (await fetch(new URL("/@erin", a.url), { headers: { Accept: "text/html" } })).text());
    expect(profile).toContain("Verified clinician");
    const group = text(await (await fetch(new URL("/@heart", a.url), { headers: { Accept: "text/html" } })).text());
    expect(group).toMatch(/Mentors @dave@/);
    expect((await logAction("verify clinician"))?.moderator_role).toBe("admin");
    // Only admins grant it.
    expect((await api(owner, "PUT", "/admin/accounts/dave/clinician")).status).toBe(403);
    await apiOk(admin, "DELETE", "/admin/accounts/erin/clinician");
    const after = text(await (await fetch(new URL(`/p/${threadId}`, a.url))).text());
    expect(after).not.toContain("Verified clinician");
  });
});

describe("the ban form", () => {
  it("lets the owner ban from a post, and the banned member sees why they cannot reply", async () => {
    const web = new WebClient(a);
    await web.post("/login", { username: "owner", password: "owner has a long password" }, (await web.get("/login")).html);
    const thread = await web.get(`/p/${threadId}`);
    const erinActor = (await a.kindred.database.db.selectFrom("actors").select("id").where("username", "=", "erin")
      .where("local", "=", true).executeTakeFirstOrThrow()).id;
    expect(thread.html).toContain(`/g/${groupId}/ban?actor=${erinActor}`);
    const form = await web.get(`/g/${groupId}/ban?actor=${erinActor}`);
    expect(form.status).toBe(200);
    const empty = await web.post(`/g/${groupId}/ban`, { actor: String(erinActor), reason: "", days: "7" }, form.html);
    expect(empty.status).toBe(422);
    const done = await web.post(`/g/${groupId}/ban`, {
      actor: String(erinActor),
      reason: "Medical advice against the rules",
      days: "1",
      removeData: "on",
    }, form.html);
    expect(done.status).toBe(200);
    expect(text(done.html)).toContain("Medical advice against the rules");
    const removed = await a.kindred.database.db.selectFrom("posts").select("removed_at").where("author_id", "=", erinActor)
      .executeTakeFirstOrThrow();
    expect(removed.removed_at).toBeInstanceOf(Date);

    const erinWeb = new WebClient(a);
    await erinWeb.post("/login", { username: "erin", password: "erin has a long password" }, (await erinWeb.get("/login")).html);
    const reply = await erinWeb.post(`/p/${threadId}/reply`, { body: "But…", action: "post" }, (await erinWeb.get(`/p/${threadId}`)).html);
    expect(reply.status).toBe(403);
    expect(text(reply.html)).toMatch(/banned from this group until .* Medical advice against the rules/);
    // A member who moderates nothing gets no ban form.
    const daveWeb = new WebClient(a);
    await daveWeb.post("/login", { username: "dave", password: "dave has a long password" }, (await daveWeb.get("/login")).html);
    expect((await daveWeb.get(`/g/${groupId}/ban?actor=${erinActor}`)).status).toBe(403);
  });
});

describe("suspensions", () => {
  it("ends a suspended member's sessions and tokens, refuses log-in with a clear message, and reinstates", async () => {
    const web = new WebClient(a);
    await web.post("/login", { username: "dave", password: "dave has a long password" }, (await web.get("/login")).html);
    expect((await web.get("/settings")).status).toBe(200);
    expect((await api(owner, "POST", "/admin/accounts/dave/suspension", { reason: "x" })).status).toBe(403);
    await apiOk(admin, "POST", "/admin/accounts/dave/suspension", { reason: "Selling medicines" });
    expect((await api(dave, "GET", `/groups/${groupId}`)).status).toBe(401);
    const settings = await web.get("/settings");
    expect(settings.url.pathname).toBe("/login");
    const login = await web.post("/login", { username: "dave", password: "dave has a long password" }, settings.html);
    expect(login.status).toBe(403);
    expect(text(login.html)).toMatch(/This account is suspended by the instance(&#39;|')s administrators: Selling medicines\./);
    const res = await fetch(new URL("/api/v1/sessions", a.url), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "dave", password: "dave has a long password" }),
    });
    expect(res.status).toBe(403);
    const profile = text(await (await fetch(new URL("/@dave", a.url), { headers: { Accept: "text/html" } })).text());
    expect(profile).toContain("This account is suspended");
    expect((await logAction("suspend account"))?.reason).toBe("Selling medicines");

    expect((await cli(["account", "unsuspend", "dave"])).code).toBe(0);
    expect(await logIn(a.kindred.database.db, "dave", "dave has a long password")).toBeDefined();
  });
});

describe("instance-wide blocks", () => {
  it("refuses what a blocked remote actor sends, hides what they posted, and sends them nothing", async () => {
    await apiOk(bob, "POST", `/groups/${bobGroupId}/threads`, { title: "Hello from B", body: "Hi" });
    await waitForQueues([a, b]);
    const group = text(await (await fetch(new URL("/@heart", a.url), { headers: { Accept: "text/html" } })).text());
    expect(group).toContain("Hello from B");

    const blocked = await apiOk(admin, "POST", "/admin/blocks", { actor: bob.uri, reason: "Spam" });
    expect(blocked.blocked.uri).toBe(bob.uri);
    const hidden = text(await (await fetch(new URL("/@heart", a.url), { headers: { Accept: "text/html" } })).text());
    expect(hidden).not.toContain("Hello from B");

    await apiOk(bob, "POST", `/groups/${bobGroupId}/threads`, { title: "Still here", body: "Hi again" });
    await apiOk(owner, "POST", `/groups/${groupId}/threads`, { title: "News for members", body: "Meeting on Friday" });
    await waitForQueues([a, b]);
    const onA = await a.kindred.database.db.selectFrom("posts").select("title").where("title", "=", "Still here").execute();
    expect(onA).toEqual([]);
    const onB = await b.kindred.database.db.selectFrom("posts").select("title").where("title", "=", "News for members")
      .execute();
    expect(onB).toEqual([]);
    expect((await cli(["block", "list"])).out).toContain(bob.uri);

    await apiOk(admin, "DELETE", `/admin/blocks/${blocked.blocked.id}`);
    const shown = text(await (await fetch(new URL("/@heart", a.url), { headers: { Accept: "text/html" } })).text());
    expect(shown).toContain("Hello from B");
    expect((await logAction("unblock actor"))?.moderator_role).toBe("admin");
  });
});
