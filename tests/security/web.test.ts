/**
 * Attack corpus: the web pages and the JSON API.  CSRF on every kind of
 * form, session fixation, IDOR (a member acting on what is not theirs, on
 * every API route that changes or reveals something), open redirects after
 * log-in, and the security headers.  Each refusal must change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiOk, createLocalGroup, createMember, type Member } from "../helpers/federation.ts";
import { startInstance, type TestInstance } from "../helpers/instance.ts";
import { csrfToken, WebClient } from "../helpers/web.ts";

let instance: TestInstance;
let alice: Member; // the group's owner and the post's author
let eve: Member; // an ordinary member of the same group
let groupId: number;
let postId: number;
let web: WebClient; // eve, logged in on the web
let otherSession: WebClient; // alice, logged in on the web

beforeAll(async () => {
  instance = await startInstance({ LOG_LEVEL: "fatal" });
  alice = await createMember(instance, "alice");
  eve = await createMember(instance, "eve");
  await createLocalGroup(instance, { slug: "peers", name: "Peers", description: "A group.", owner: "alice" });
  groupId = (await apiOk(alice, "POST", "/groups/follow", { handle: "peers" })).group.id;
  await apiOk(eve, "POST", "/groups/follow", { handle: "peers" });
  postId = (await apiOk(alice, "POST", `/groups/${groupId}/threads`, { title: "Alice's thread", body: "Hello." })).post.id;
  await apiOk(eve, "POST", `/posts/${postId}/report`, { reason: "spam" });
  web = await loggedIn("eve");
  otherSession = await loggedIn("alice");
}, 60_000);
afterAll(() => instance?.stop());

async function loggedIn(username: string): Promise<WebClient> {
  const client = new WebClient(instance);
  const form = await client.get("/login");
  const page = await client.post("/login", { username, password: `${username} has a long password` }, form.html);
  expect(page.status).toBe(200);
  return client;
}

/** Everything these attacks could change. */
async function state() {
  const db = instance.kindred.database.db;
  return {
    posts: await db.selectFrom("posts").select(["id", "title", "source", "deleted_at", "removed_at", "locked_at", "pinned_at", "like_count"]).orderBy("id").execute(),
    follows: await db.selectFrom("follows").select(["follower_id", "followee_id", "state"]).orderBy("follower_id").orderBy("followee_id").execute(),
    accounts: await db.selectFrom("accounts").select(["id", "display_name", "bio", "password_hash", "suspended_at", "deleted_at", "role"]).orderBy("id").execute(),
    staff: await db.selectFrom("group_staff").selectAll().orderBy("actor_id").execute(),
    bans: await db.selectFrom("group_bans").select(["actor_id"]).execute(),
    reports: await db.selectFrom("reports").select(["id", "state"]).orderBy("id").execute(),
    rules: await db.selectFrom("premod_rules").select(["id"]).execute(),
    resources: await db.selectFrom("group_resources").select(["id"]).execute(),
    federation: await db.selectFrom("federation_rules").selectAll().execute(),
    groups: await db.selectFrom("groups").selectAll().execute(),
    consents: await db.selectFrom("consents").select(["account_id", "withdrawn_at"]).execute(),
  };
}

async function alive() {
  expect((await fetch(new URL("/healthz", instance.url))).status).toBe(200);
}

describe("CSRF: a form without the right token, or from another site, is refused and changes nothing", () => {
  const forms: [string, () => Record<string, string>][] = [
    ["/settings/profile", () => ({ display_name: "Hacked" })],
    ["/settings/password", () => ({ current_password: "eve has a long password", new_password: "attacker's password" })],
    [`/g/GROUP/new`, () => ({ title: "Forged", body: "Forged thread" })],
    [`/g/GROUP/leave`, () => ({})],
    [`/p/POST/reply`, () => ({ body: "Forged reply" })],
    [`/p/POST/vote`, () => ({ value: "1" })],
    [`/p/POST/report`, () => ({ reason: "spam" })],
    ["/settings/data/consent/withdraw", () => ({})],
    ["/settings/data/delete", () => ({ password: "eve has a long password", confirm: "delete" })],
    ["/logout", () => ({})],
  ];
  const variants: [string, (fields: Record<string, string>, token: string) => Promise<number>][] = [
    ["no token", (f) => web.post(path(f), strip(f)).then((p) => p.status)],
    ["a wrong token", (f) => web.post(path(f), { ...strip(f), _csrf: "A".repeat(43) }).then((p) => p.status)],
    ["another member's token", async (f) => {
      const theirs = csrfToken((await otherSession.get("/settings")).html);
      return (await web.post(path(f), { ...strip(f), _csrf: theirs })).status;
    }],
    ["the right token from another site's page (Origin)", (f, token) =>
      web.post(path(f), { ...strip(f), _csrf: token }, undefined, { Origin: "https://evil.example" }).then((p) => p.status)],
    ["the right token, Sec-Fetch-Site cross-site", (f, token) =>
      web.post(path(f), { ...strip(f), _csrf: token }, undefined, { "Sec-Fetch-Site": "cross-site" }).then((p) => p.status)],
    ["the right token sent as JSON", async (f, token) => {
      const res = await web.raw("POST", path(f), {
        headers: { "Content-Type": "application/json", Origin: instance.url.origin },
      });
      void token;
      return res.status;
    }],
  ];
  const path = (f: Record<string, string>) => f.__path.replace("GROUP", String(groupId)).replace("POST", String(postId));
  const strip = (f: Record<string, string>) => Object.fromEntries(Object.entries(f).filter(([k]) => k !== "__path"));

  const cases = forms.flatMap(([action, fields]) =>
    variants.map(([how, send]) => [`${action} with ${how}`, action, fields, send] as const)
  );
  it.each(cases)("%s → 403", async (_name, action, fields, send) => {
    const token = csrfToken((await web.get("/settings")).html);
    const was = await state();
    expect(await send({ ...fields(), __path: action }, token)).toBe(403);
    expect(await state()).toEqual(was);
    // Still logged in: the refused logout did not log out.
    expect((await web.get("/settings")).url.pathname).toBe("/settings");
    await alive();
  });
});

describe("session fixation", () => {
  it("a session id planted before log-in is not the one used after", async () => {
    const client = new WebClient(instance);
    client.cookies.set("kindred_session", "planted-by-an-attacker-0123456789abcdefghijk");
    const form = await client.get("/login");
    await client.post("/login", { username: "eve", password: "eve has a long password" }, form.html);
    expect(client.cookies.get("kindred_session")).not.toBe("planted-by-an-attacker-0123456789abcdefghijk");
    const attacker = new WebClient(instance);
    attacker.cookies.set("kindred_session", "planted-by-an-attacker-0123456789abcdefghijk");
    expect((await attacker.get("/settings")).url.pathname).toBe("/login");
  });

  it("logging out ends the session on the server, not only in the browser", async () => {
    const client = await loggedIn("eve");
    const stolen = client.cookies.get("kindred_session")!;
    const settings = await client.get("/settings");
    await client.post("/logout", {}, settings.html);
    const thief = new WebClient(instance);
    thief.cookies.set("kindred_session", stolen);
    expect((await thief.get("/settings")).url.pathname).toBe("/login");
  });
});

describe("IDOR: eve acts on what is not hers", () => {
  const routes: [string, string, () => unknown][] = [
    ["PATCH", "/posts/POST", () => ({ body: "Eve's words in Alice's mouth" })],
    ["DELETE", "/posts/POST", () => undefined],
    ["POST", "/posts/POST/moderation", () => ({ action: "remove", reason: "because" })],
    ["POST", "/posts/POST/moderation", () => ({ action: "lock" })],
    ["POST", "/posts/POST/moderation", () => ({ action: "pin" })],
    ["POST", "/posts/POST/redact", () => ({})],
    ["POST", "/posts/POST/moderator-notes", () => ({ body: "Official: this is fake" })],
    ["POST", "/posts/POST/review", () => ({ decision: "reject", reason: "no" })],
    ["GET", "/groups/GROUP/reports", () => undefined],
    ["POST", "/groups/GROUP/reports/1/resolve", () => undefined],
    ["POST", "/groups/GROUP/reports/1/dismiss", () => undefined],
    ["GET", "/groups/GROUP/requests", () => undefined],
    ["POST", "/groups/GROUP/requests/ALICE/reject", () => undefined],
    ["GET", "/groups/GROUP/held", () => undefined],
    ["GET", "/groups/GROUP/feedback", () => undefined],
    ["PATCH", "/groups/GROUP/moderation-settings", () => ({ rules: "Eve rules", holdFirstPosts: 5 })],
    ["POST", "/groups/GROUP/premod-rules", () => ({ kind: "keyword", pattern: "alice", action: "reject" })],
    ["POST", "/groups/GROUP/resources", () => ({ title: "Bad link", url: "https://evil.example" })],
    ["POST", "/groups/GROUP/staff", () => ({ handle: "eve", role: "moderator" })],
    ["DELETE", "/groups/GROUP/staff/ALICE", () => undefined],
    ["POST", "/groups/GROUP/bans", () => ({ actor: "alice", reason: "mine now", days: 30 })],
    ["GET", "/groups/GROUP/bans", () => undefined],
    ["GET", "/admin/federation", () => undefined],
    ["PUT", "/admin/federation/mode", () => ({ mode: "closed" })],
    ["POST", "/admin/federation/rules", () => ({ domain: "example.org", action: "block" })],
    ["POST", "/admin/accounts/alice/suspension", () => ({ reason: "eve says so" })],
    ["PUT", "/admin/accounts/eve/clinician", () => undefined],
    ["POST", "/admin/blocks", () => ({ actor: "https://example.org/u/x" })],
    ["GET", "/admin/blocks", () => undefined],
    ["POST", "/admin/guidelines", () => ({ body: "New rules by eve" })],
    ["GET", "/admin/deletions", () => undefined],
    ["POST", "/crisis-resources", () => ({ name: "Fake line", phone: "000" })],
    ["GET", "/admin/crisis-resources", () => undefined],
  ];
  it.each(routes.map(([m, p, b]) => [`${m} ${p}`, m, p, b] as const))("%s → 403 or 404", async (_name, method, p, body) => {
    const aliceActor = (await apiOk(alice, "GET", `/groups/${groupId}`)).group;
    void aliceActor;
    const db = instance.kindred.database.db;
    const aliceId = (await db.selectFrom("actors").select("id").where("username", "=", "alice").where("local", "=", true)
      .executeTakeFirstOrThrow()).id;
    const path = p.replace("POST", String(postId)).replace("GROUP", String(groupId)).replace("ALICE", String(aliceId));
    const was = await state();
    const { status, json } = await api(eve, method, path, body());
    expect([403, 404], JSON.stringify(json)).toContain(status);
    expect(typeof json?.error).toBe("string");
    expect(await state()).toEqual(was);
    await alive();
  });

  it("control: alice, the owner, may do the first of these", async () => {
    const { status } = await api(alice, "POST", `/posts/${postId}/moderation`, { action: "lock" });
    expect(status).toBe(200);
    await apiOk(alice, "POST", `/posts/${postId}/moderation`, { action: "unlock" });
  });
});

describe("open redirects after log-in", () => {
  const nexts = [
    "//evil.example/", "///evil.example/", "/\\evil.example/", "\\\\evil.example", "https://evil.example/",
    "http:evil.example", "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "/%2F%2Fevil.example",
    "/\t/evil.example", " //evil.example", "/.//evil.example", "//%09/evil.example", "https:/\\evil.example",
  ];
  it.each(nexts)("next=%s stays on this site", async (next) => {
    const client = new WebClient(instance);
    const form = await client.get(`/login?next=${encodeURIComponent(next)}`);
    const res = await client.raw("POST", "/login", {
      body: new URLSearchParams({ username: "eve", password: "eve has a long password", next, _csrf: csrfToken(form.html) }),
      headers: { Origin: instance.url.origin },
    });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!, instance.url);
    expect(location.origin).toBe(instance.url.origin);
    expect(res.headers.get("location")).toMatch(/^\/(?![/\\])/);
  });
});

describe("security headers", () => {
  const paths = ["/", "/groups", "/login", "/signup", "/guidelines", "/@peers", "/help/crisis", "/no-such-page", "/api/v1/groups/1", "/healthz"];
  it.each(paths)("%s", async (p) => {
    const res = await fetch(new URL(p, instance.url), { headers: { Accept: "text/html" } });
    await res.text();
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });
});
