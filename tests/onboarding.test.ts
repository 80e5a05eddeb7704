/**
 * Onboarding (issue 9, item 4) over real HTTP: a manager sets a group's
 * welcome message and introductions thread (web form and API, bad input
 * refused with nothing saved); a member who joins is shown the welcome, the
 * rules and the introductions thread; the "new here" badge marks members in
 * their first 14 days after their membership was accepted, on the thread
 * page and in the API, for members of this server and of another one.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance;
let owner: Member, old: Member, remote: Member;
let groupId: number, introId: number, otherGroupThread: number;
const web = { owner: undefined as unknown as WebClient, newbie: undefined as unknown as WebClient };

/** Moves a membership's acceptance into the past (what two weeks of waiting would do). */
async function acceptedDaysAgo(instance: TestInstance, follower: string, days: number) {
  await sql`update follows set accepted_at = now() - make_interval(days => ${days})
    where follower_id = (select id from actors where uri = ${follower})`.execute(instance.kindred.database.db);
}

const NEW_HERE = '<span class="badge new-here"';

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  [owner, old, remote] = await Promise.all([createMember(a, "owner"), createMember(a, "oldtimer"), createMember(b, "faraway")]);
  await createLocalGroup(a, { slug: "welcome-mat", name: "Welcome mat", owner: "owner" });
  await createLocalGroup(a, { slug: "elsewhere", name: "Elsewhere", owner: "owner" });
  groupId = (await apiOk(owner, "POST", "/groups/follow", { handle: "welcome-mat" })).group.id;
  const elsewhere = (await apiOk(owner, "POST", "/groups/follow", { handle: "elsewhere" })).group.id;
  otherGroupThread = (await apiOk(owner, "POST", `/groups/${elsewhere}/threads`, { title: "Not here", body: "x" })).post.id;
  await apiOk(old, "POST", "/groups/follow", { handle: "welcome-mat" });
  introId = (await apiOk(owner, "POST", `/groups/${groupId}/threads`, { title: "Introduce yourself", body: "Say hello!" })).post.id;
  web.owner = new WebClient(a);
  await web.owner.submit("/login", "/login", { username: "owner", password: "owner has a long password" });
  web.newbie = new WebClient(a);
  await web.newbie.signUp("newbie");
}, 120_000);
afterAll(() => Promise.all([a, b].filter(Boolean).map((i) => i.stop())));

describe("a group's welcome", () => {
  it("is set by a manager on the settings page, and bad input changes nothing", async () => {
    const settings = `/g/${groupId}/settings`;
    const form = await web.owner.get(settings);
    expect(form.html).toContain(`<option value="${introId}">Introduce yourself</option>`);
    expect(form.html).not.toContain(`value="${otherGroupThread}"`);
    const fields = {
      name: "Welcome mat", description: "", rules: "Be **kind**.", joinPolicy: "open", visibility: "public", holdFirstPosts: "0",
    };
    const refused = await web.owner.post(settings, { ...fields, welcome: "Hello <b>there</b>, **friend**!", introductionsThreadId: String(otherGroupThread) }, form.html);
    expect(refused.status).toBe(422);
    expect(text(refused.html)).toContain(`no published thread ${otherGroupThread} in this group`);
    const untouched = await apiOk(owner, "PATCH", `/groups/${groupId}`, {});
    expect(untouched.settings.welcome).toBe("");
    expect(untouched.settings.introductionsThreadId).toBeNull();

    const saved = await web.owner.post(settings, { ...fields, welcome: "Hello <b>there</b>, **friend**!", introductionsThreadId: String(introId) }, form.html);
    expect(saved.status).toBe(200);
    expect(saved.url.pathname).toBe(settings);
    expect(saved.html).toContain(`<option value="${introId}" selected="">Introduce yourself</option>`);
    const after = await apiOk(owner, "PATCH", `/groups/${groupId}`, {});
    expect(after.settings).toMatchObject({ welcome: "Hello <b>there</b>, **friend**!", introductionsThreadId: introId });
  });

  it("refuses a welcome that is too long, and an introductions thread that is a reply, in the API", async () => {
    const long = await api(owner, "PATCH", `/groups/${groupId}`, { welcome: "x".repeat(5001) });
    expect(long.status).toBe(422);
    expect(long.json.field).toBe("welcome");
    const reply = (await apiOk(old, "POST", `/posts/${introId}/replies`, { body: "Hi all" })).post.id;
    const notThread = await api(owner, "PATCH", `/groups/${groupId}`, { introductionsThreadId: reply });
    expect(notThread.status).toBe(422);
    expect(notThread.json.field).toBe("introductionsThreadId");
    expect((await apiOk(owner, "PATCH", `/groups/${groupId}`, {})).settings.introductionsThreadId).toBe(introId);
  });

  it("is shown to a member on joining from the web: message (escaped), rules, introductions thread", async () => {
    const group = await web.newbie.get("/@welcome-mat");
    expect(group.html).not.toContain("new-member");
    const joined = await web.newbie.post(`/g/${groupId}/join`, {}, group.html);
    expect(joined.status).toBe(200);
    expect(joined.url.pathname + joined.url.search).toBe("/@welcome-mat?joined=1");
    expect(joined.html).toContain("You are a member");
    expect(joined.html).toContain("Welcome to Welcome mat</h2>");
    expect(joined.html).toContain("Hello &lt;b&gt;there&lt;/b&gt;, <strong>friend</strong>!");
    expect(joined.html).toContain(`href="/posts/${introId}">Introduce yourself</a>`);
    // The full welcome: message, the group's rules, the server's guidelines.
    const welcome = await web.newbie.get(`/g/${groupId}/welcome`);
    expect(welcome.html).toContain("<h1>Welcome to Welcome mat</h1>");
    expect(welcome.html).toContain("<strong>friend</strong>");
    expect(welcome.html).toContain("Be <strong>kind</strong>.");
    expect(welcome.html).toContain('href="/guidelines"');
    expect(welcome.html).toContain(`href="/posts/${introId}">Introduce yourself</a>`);
    // Back on the group page later, in their first weeks: where the welcome is.
    const page = await web.newbie.get("/@welcome-mat");
    expect(page.html).not.toContain("<strong>friend</strong>");
    expect(page.html).toContain(`href="/g/${groupId}/welcome"`);
    expect(page.html).toContain(NEW_HERE);
    // Not for members past their first weeks, nor for visitors.
    await acceptedDaysAgo(a, new URL("/@newbie", a.url).href, 15);
    expect((await web.newbie.get("/@welcome-mat")).html).not.toContain(`href="/g/${groupId}/welcome"`);
    const visitor = await new WebClient(a).get(`/g/${groupId}/welcome`);
    expect(visitor.url.pathname).toBe("/login");
  });

  it("is in the API: on joining, and on its own", async () => {
    const fresh = await createMember(a, "freshapi");
    const joined = await apiOk(fresh, "POST", "/groups/follow", { handle: "welcome-mat" });
    expect(joined.state).toBe("accepted");
    expect(joined.welcome.messageHtml).toContain("<strong>friend</strong>");
    expect(joined.welcome.introductionsThread).toEqual({ id: introId, title: "Introduce yourself", url: new URL(`/posts/${introId}`, a.url).href });
    const welcome = await apiOk(fresh, "GET", `/groups/${groupId}/welcome`);
    expect(welcome.newHere).toBe(true);
    expect(welcome.newMemberDays).toBe(14);
    expect(welcome.welcome.message).toBe("Hello <b>there</b>, **friend**!");
    // A removed introductions thread is no longer offered.
    await apiOk(owner, "POST", `/posts/${introId}/moderation`, { action: "remove", reason: "test" });
    expect((await apiOk(fresh, "GET", `/groups/${groupId}/welcome`)).welcome.introductionsThread).toBeNull();
    await apiOk(owner, "POST", `/posts/${introId}/moderation`, { action: "restore", reason: "test" });
  });
});

describe("the new here badge", () => {
  let thread: number;
  const badgeOn = async (instance: TestInstance, username: string, path = `/posts/${thread}`) => {
    const html = await (await fetch(new URL(path, instance.url), { headers: { Accept: "text/html" } })).text();
    // Each post's byline: the author's name, then their badges, up to the handle.
    const bylines = [...html.matchAll(/<p class="byline">([\s\S]*?)<\/p>/g)].map((m) => m[1]);
    const mine = bylines.filter((l) => l.includes(`>${username}</bdi>`));
    expect(mine.length, username).toBeGreaterThan(0);
    return mine.every((l) => l.includes(NEW_HERE));
  };
  const newHereInApi = async (username: string) => {
    const posts = (await apiOk(owner, "GET", `/posts/${thread}`)).thread as { author: { handle: string; newHere: boolean } }[];
    return posts.filter((p) => p.author.handle.startsWith(`@${username}@`)).map((p) => p.author.newHere);
  };

  it("marks a member for 14 days after their membership was accepted, never the staff", async () => {
    thread = (await apiOk(owner, "POST", `/groups/${groupId}/threads`, { title: "Weekly check-in", body: "How are you?" })).post.id;
    const newbie = await createMember(a, "newcomer");
    await apiOk(newbie, "POST", "/groups/follow", { handle: "welcome-mat" });
    await apiOk(newbie, "POST", `/posts/${thread}/replies`, { body: "First time here" });
    await apiOk(old, "POST", `/posts/${thread}/replies`, { body: "Welcome!" });
    // The owner joined a moment ago too, but is staff.
    expect(await badgeOn(a, "owner")).toBe(false);
    expect(await badgeOn(a, "newcomer")).toBe(true);
    expect(await newHereInApi("newcomer")).toEqual([true]);
    // Just inside, then just past, the two weeks.
    await acceptedDaysAgo(a, old.uri, 13);
    expect(await badgeOn(a, "oldtimer")).toBe(true);
    await acceptedDaysAgo(a, old.uri, 15);
    expect(await badgeOn(a, "oldtimer")).toBe(false);
    expect(await newHereInApi("oldtimer")).toEqual([false]);
    expect(await newHereInApi("owner")).toEqual([false]);
  });

  it("counts from the approval, not the request, in an approval group", async () => {
    await apiOk(owner, "PATCH", `/groups/${groupId}`, { joinPolicy: "approval" });
    const waiting = await createMember(a, "waiting");
    expect((await apiOk(waiting, "POST", "/groups/follow", { handle: "welcome-mat" })).state).toBe("pending");
    // The request waited three weeks before a moderator got to it.
    await sql`update follows set created_at = now() - interval '21 days'
      where follower_id = (select id from actors where uri = ${waiting.uri})`.execute(a.kindred.database.db);
    const actorId = (await a.kindred.database.db.selectFrom("actors").select("id").where("uri", "=", waiting.uri).executeTakeFirstOrThrow()).id;
    await apiOk(owner, "POST", `/groups/${groupId}/requests/${actorId}/approve`);
    await apiOk(waiting, "POST", `/posts/${thread}/replies`, { body: "Finally in" });
    expect(await newHereInApi("waiting")).toEqual([true]);
    await apiOk(owner, "PATCH", `/groups/${groupId}`, { joinPolicy: "open" });
  });

  it("marks a member from another server, counted from when their Follow was accepted", async () => {
    const followed = await apiOk(remote, "POST", "/groups/follow", { handle: new URL("/@welcome-mat", a.url).href });
    await waitForQueues([a, b]);
    expect((await apiOk(remote, "GET", `/groups/${followed.group.id}`)).membership).toBe("accepted");
    // A group on another server: its welcome is shown there, not here.
    expect(followed.welcome).toBeNull();
    // A thread started after they joined reaches their server; they reply from there.
    thread = (await apiOk(owner, "POST", `/groups/${groupId}/threads`, { title: "For everyone", body: "New thread" })).post.id;
    await waitForQueues([a, b]);
    const threads = (await apiOk(remote, "GET", `/groups/${followed.group.id}/threads`)).threads as { id: number; title: string }[];
    const remoteThread = threads.find((t) => t.title === "For everyone")!.id;
    await apiOk(remote, "POST", `/posts/${remoteThread}/replies`, { body: "Hello from the other server" });
    await waitForQueues([a, b]);
    expect(await badgeOn(a, "faraway")).toBe(true);
    expect(await newHereInApi("faraway")).toEqual([true]);
    // Their own server knows when the group's Accept arrived: the same badge there.
    expect(await badgeOn(b, "faraway", `/p/${remoteThread}`)).toBe(true);
    await acceptedDaysAgo(a, remote.uri, 15);
    expect(await badgeOn(a, "faraway")).toBe(false);
  });
});
