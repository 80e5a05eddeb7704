/**
 * Issue #6, item 8: the access log.  An admin reading a private group's
 * thread they are not a member of is recorded (who, what, when, route); a
 * member reading it is not, nor is anyone reading a public group.  Held
 * posts and reports read by moderators are recorded too.  Admins see the
 * whole log (/admin/access-log, GET /api/v1/admin/access-log), a group's
 * owner the entries about their group; the table is append-only.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { purgeAccessLog } from "../db/access-log.ts";
import { runCommand } from "../src/cli/commands.ts";
import { logIn } from "../src/auth.ts";
import { api, apiOk, createLocalGroup, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance;
let adele: Member, olive: Member, mia: Member, nina: Member;
let adeleWeb: WebClient, miaWeb: WebClient, oliveWeb: WebClient;
let privateId: number, publicId: number;
let thread: { id: number }, publicThread: { id: number };

const db = () => a.kindred.database.db;
const entries = () => db().selectFrom("access_log").selectAll().orderBy("id").execute();

async function logInWeb(username: string): Promise<WebClient> {
  const web = new WebClient(a);
  const page = await web.submit("/login", "/login", { username, password: `${username} has a long password` });
  expect(page.status).toBe(200);
  return web;
}

async function joinApproved(member: Member, groupId: number, handle: string) {
  await apiOk(member, "POST", "/groups/follow", { handle });
  const actorId = (await db().selectFrom("actors").select("id").where("uri", "=", member.uri).executeTakeFirstOrThrow()).id;
  const follow = await db().selectFrom("follows").select("state").where("follower_id", "=", actorId).where("followee_id", "=", groupId)
    .executeTakeFirstOrThrow();
  if (follow.state === "pending") await apiOk(olive, "POST", `/groups/${groupId}/requests/${actorId}/approve`);
}

beforeAll(async () => {
  a = await startInstance();
  await createAccount(db(), a.url, { username: "adele", password: "adele has a long password", role: "admin" });
  adele = { instance: a, username: "adele", token: (await logIn(db(), "adele", "adele has a long password"))!, uri: new URL("/@adele", a.url).href };
  [olive, mia, nina] = await Promise.all([createMember(a, "olive"), createMember(a, "mia"), createMember(a, "nina")]);
  await createLocalGroup(a, { slug: "quiet-room", name: "Quiet room", owner: "olive", visibility: "private" });
  await createLocalGroup(a, { slug: "open-room", name: "Open room", owner: "olive" });
  const idOf = async (u: string) => (await db().selectFrom("actors").select("id").where("username", "=", u).where("local", "=", true).executeTakeFirstOrThrow()).id;
  [privateId, publicId] = [await idOf("quiet-room"), await idOf("open-room")];
  await joinApproved(olive, privateId, "quiet-room");
  await joinApproved(mia, privateId, "quiet-room");
  await joinApproved(mia, publicId, "open-room");
  thread = (await apiOk(mia, "POST", `/groups/${privateId}/threads`, { title: "Nights are the hardest", body: "Only for this group." })).post;
  publicThread = (await apiOk(mia, "POST", `/groups/${publicId}/threads`, { title: "Hello all", body: "Public hello." })).post;
  [adeleWeb, miaWeb, oliveWeb] = await Promise.all([logInWeb("adele"), logInWeb("mia"), logInWeb("olive")]);
}, 120_000);

afterAll(async () => {
  await a?.stop();
});

describe("reads that are recorded", () => {
  it("records an admin reading a private group's thread, and not a member reading it", async () => {
    const before = (await entries()).length;
    const page = await miaWeb.get(`/p/${thread.id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("Only for this group.");
    await apiOk(mia, "GET", `/posts/${thread.id}`);
    expect((await entries()).length).toBe(before);

    const read = await adeleWeb.get(`/p/${thread.id}`);
    expect(read.status).toBe(200);
    expect(read.html).toContain("Only for this group.");
    const [entry, ...more] = (await entries()).slice(before);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      username: "adele", role: "admin", group_actor_id: privateId, subject: "private_thread", subject_id: thread.id,
      route: `GET /p/${thread.id}`,
    });
    expect(Date.now() - entry.at.getTime()).toBeLessThan(60_000);
    // No column for an address, and none holds one.
    expect(Object.keys(entry).sort()).toEqual(["account_id", "at", "group_actor_id", "id", "role", "route", "subject", "subject_id", "username"]);

    await apiOk(adele, "GET", `/posts/${thread.id}`);
    await apiOk(adele, "GET", `/groups/${privateId}/threads`);
    const api = (await entries()).slice(before + 1);
    expect(api.map((e) => [e.subject, e.route])).toEqual([
      ["private_thread", `GET /api/v1/posts/${thread.id}`],
      ["private_threads", `GET /api/v1/groups/${privateId}/threads`],
    ]);
  });

  it("records nothing for a public group's thread, nor for an anonymous reader of it", async () => {
    const before = (await entries()).length;
    expect((await adeleWeb.get(`/p/${publicThread.id}`)).status).toBe(200);
    expect((await new WebClient(a).get(`/p/${publicThread.id}`)).status).toBe(200);
    expect((await entries()).length).toBe(before);
  });

  it("records a moderator reading held posts and reports", async () => {
    await apiOk(olive, "PATCH", `/groups/${privateId}`, { holdFirstPosts: 1 });
    await joinApproved(nina, privateId, "quiet-room");
    const held = (await apiOk(nina, "POST", `/groups/${privateId}/threads`, { title: "First time here", body: "Is this the place?" })).post;
    expect((await db().selectFrom("posts").select("review_state").where("id", "=", held.id).executeTakeFirstOrThrow()).review_state).toBe("held");
    await apiOk(nina, "POST", `/posts/${thread.id}/report`, { about: "post", reason: "spam" });
    const before = (await entries()).length;
    const heldPage = await oliveWeb.get(`/g/${privateId}/held`);
    expect(heldPage.html).toContain("Is this the place?");
    const queue = await oliveWeb.get(`/g/${privateId}/moderation`);
    expect(queue.status).toBe(200);
    const recorded = (await entries()).slice(before);
    expect(recorded.map((e) => [e.username, e.role, e.subject, e.route])).toEqual([
      ["olive", "owner", "held_posts", `GET /g/${privateId}/held`],
      ["olive", "owner", "reports", `GET /g/${privateId}/moderation`],
    ]);
  });
});

describe("removed posts and managing the group", () => {
  it("records a moderator shown someone's removed post in a public group's thread", async () => {
    const reply = (await apiOk(mia, "POST", `/posts/${publicThread.id}/replies`, { body: "Something to remove." })).post;
    await apiOk(olive, "POST", `/posts/${reply.id}/moderation`, { action: "remove", reason: "off topic" });
    const before = (await entries()).length;
    // mia, its author, sees her own removed post: nothing recorded.
    await miaWeb.get(`/p/${publicThread.id}`);
    expect((await entries()).length).toBe(before);
    const page = await adeleWeb.get(`/p/${publicThread.id}`);
    expect(page.html).toContain("Something to remove.");
    const recorded = (await entries()).slice(before);
    expect(recorded.map((e) => [e.username, e.role, e.subject, e.subject_id, e.group_actor_id])).toEqual([
      ["adele", "admin", "removed_post", reply.id, publicId],
    ]);
  });

  it("lets an admin and a moderator who is not the owner change the settings, and nobody else", async () => {
    await apiOk(adele, "PATCH", `/groups/${privateId}`, { description: "Set by the admin." });
    expect((await db().selectFrom("groups").select("summary_source").where("slug", "=", "quiet-room").executeTakeFirstOrThrow()).summary_source)
      .toBe("Set by the admin.");
    expect((await api(mia, "PATCH", `/groups/${privateId}`, { description: "Mine." })).status).toBe(403);
    await apiOk(olive, "POST", `/groups/${privateId}/staff`, { handle: "nina", role: "moderator" });
    await apiOk(nina, "PATCH", `/groups/${privateId}`, { rules: "Be gentle." });
    expect((await db().selectFrom("groups").select("rules_source").where("slug", "=", "quiet-room").executeTakeFirstOrThrow()).rules_source)
      .toBe("Be gentle.");
    // A moderator is not the owner: the group's access log is not theirs.
    expect((await api(nina, "GET", `/groups/${privateId}/access-log`)).status).toBe(403);
  });
});

describe("who sees the log", () => {
  it("shows admins every entry, on the page and in the API", async () => {
    const page = await adeleWeb.get("/admin/access-log");
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain(`GET /p/${thread.id}`);
    expect(text(page.html)).toContain("@adele");
    expect((await adeleWeb.get("/admin")).html).toContain('href="/admin/access-log"');
    const { entries: list } = await apiOk(adele, "GET", "/admin/access-log");
    expect(list.length).toBe((await entries()).length);
    expect(list[0].id).toBeGreaterThan(list[list.length - 1].id);
  });

  it("shows a group's owner the entries about their group, and nobody else anything", async () => {
    const page = await oliveWeb.get(`/g/${privateId}/access-log`);
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain("@adele");
    const { entries: mine } = await apiOk(olive, "GET", `/groups/${privateId}/access-log`);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e: { groupId: number }) => e.groupId === privateId)).toBe(true);
    expect((await oliveWeb.get("/admin/access-log")).status).toBe(403);
    expect((await api(olive, "GET", "/admin/access-log")).status).toBe(403);
    expect((await miaWeb.get(`/g/${privateId}/access-log`)).status).toBe(403);
    expect((await api(mia, "GET", `/groups/${privateId}/access-log`)).status).toBe(403);
    expect((await new WebClient(a).raw("GET", "/admin/access-log")).status).toBe(303);
  });
});

describe("append-only", () => {
  it("refuses changes and deletions, except the retention purge of old entries", async () => {
    const count = (await entries()).length;
    await expect(sql`update access_log set username = 'someone'`.execute(db())).rejects.toThrow(/append-only/);
    await expect(sql`delete from access_log`.execute(db())).rejects.toThrow(/append-only/);
    expect((await entries()).length).toBe(count);
    // An entry from long ago: the purge removes it, and only it.
    await db().insertInto("access_log").values({
      account_id: 1, username: "old", role: "admin", subject: "reports", route: "GET /old", at: new Date(Date.now() - 400 * 86_400_000),
    }).execute();
    expect(await purgeAccessLog(db(), 365)).toBe(1);
    expect((await entries()).length).toBe(count);
    expect((await entries()).some((e) => e.username === "old")).toBe(false);
  });

  it("is purged from the CLI with a retention period of at least 30 days", async () => {
    const out: string[] = [];
    const io = {
      db: db(),
      origin: a.url,
      fedify: () => a.kindred.federation.createContext(a.url, a.kindred.contextData),
      out: (l: string) => out.push(l),
      err: (l: string) => out.push(l),
    };
    const count = (await entries()).length;
    expect(await runCommand(["access-log", "purge", "--days", "7"], io)).toBe(2);
    expect(out.join("\n")).toContain("at least 30");
    await db().insertInto("access_log").values({
      account_id: 1, username: "old", role: "admin", subject: "reports", route: "GET /old", at: new Date(Date.now() - 100 * 86_400_000),
    }).execute();
    expect(await runCommand(["access-log", "purge", "--days", "90"], io)).toBe(0);
    expect(out.join("\n")).toContain("Deleted 1 access-log entry older than 90 days");
    expect((await entries()).length).toBe(count);
  });
});
