/**
 * The member web pages over real HTTP, as a browser uses them: cookies,
 * CSRF tokens from the pages, redirects.  Sign-up, log-in, CSRF refusals,
 * joining, posting, replying, voting, editing, deleting, search,
 * notifications, reading without an account, escaping.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalGroup } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { csrfToken, text, WebClient } from "./helpers/web.ts";

let instance: TestInstance;
let alice: WebClient, bob: WebClient;
let groupActorId: string;

beforeAll(async () => {
  instance = await startInstance();
  await createLocalGroup(instance, {
    slug: "long-covid",
    name: "Long COVID support",
    description: "Peer support for people living with **long COVID**.",
  });
  await createLocalGroup(instance, {
    slug: "carers-circle",
    name: "Carers circle",
    description: "For people caring for a family member.",
    joinPolicy: "approval",
  });
  alice = new WebClient(instance);
  bob = new WebClient(instance);
}, 120_000);
afterAll(async () => {
  await instance?.stop();
});

const db = () => instance.kindred.database.db;

describe("accounts", () => {
  it("warns gently when a name looks like a real name, then signs up", async () => {
    const warned = await alice.signUp("jane_smith", "Jane Smith");
    expect(warned.status).toBe(200);
    expect(warned.html).toContain("This looks like it could be a real name");
    expect(await db().selectFrom("accounts").select("id").where("username", "=", "jane_smith").executeTakeFirst())
      .toBeUndefined();
    // Choosing a pseudonym goes straight through, with a member type.
    const page = await alice.post("/signup", {
      username: "alice",
      display_name: "Night owl",
      password: "alice has a long password",
      member_type: "patient",
      email: "alice@example.org",
      age: "yes",
      consent: "yes",
    }, warned.html);
    expect(page.url.pathname).toBe("/groups");
    expect(page.html).toContain("Your account is ready");
    expect(page.html).toContain("Log out");
    const account = await db().selectFrom("accounts").selectAll().where("username", "=", "alice").executeTakeFirstOrThrow();
    expect(account.member_type).toBe("patient");
    expect(account.password_hash).toMatch(/^scrypt\$/);
  });

  it("keeps a real-looking name when the member insists", async () => {
    const other = new WebClient(instance);
    const warned = await other.signUp("jo_bloggs");
    const page = await other.post("/signup", {
      username: "jo_bloggs", display_name: "jo_bloggs", password: "a long enough password", keep_name: "yes", age: "yes", consent: "yes",
    }, warned.html);
    expect(page.url.pathname).toBe("/groups");
  });

  it("sets a random, HttpOnly, SameSite=Lax session cookie and stores only its hash", async () => {
    const line = alice.setCookies.find((l) => l.startsWith("kindred_session="))!;
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/SameSite=Lax/i);
    expect(line).not.toMatch(/Secure/i); // http origin in tests
    const id = alice.cookies.get("kindred_session")!;
    expect(id).toMatch(/^[\w-]{43}$/);
    const rows = await db().selectFrom("sessions").selectAll().execute();
    expect(rows.map((r) => r.id_hash)).toContain(createHash("sha256").update(id).digest("hex"));
    expect(JSON.stringify(rows)).not.toContain(id);
    expect(Object.keys(rows[0]).sort()).toEqual(["account_id", "created_at", "expires_at", "id_hash"]);
  });

  it("refuses a taken username and a short password with a message", async () => {
    const other = new WebClient(instance);
    const taken = await other.signUp("alice", "Someone");
    expect(taken.status).toBe(422);
    expect(taken.html).toContain("already taken");
    const short = await other.submit("/signup", "/signup", {
      username: "shorty", display_name: "S", password: "short", age: "yes", consent: "yes",
    });
    expect(short.status).toBe(422);
    expect(short.html).toContain("at least 10 characters");
  });

  it("refuses a wrong password, and logs in with the right one", async () => {
    await bob.signUp("bob", "Bob the carer", { member_type: "caregiver" });
    await bob.post("/logout", {}, (await bob.get("/")).html);
    expect((await bob.get("/settings")).url.pathname).toBe("/login");
    const wrong = await bob.submit("/login", "/login", { username: "bob", password: "not the password" });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain("Wrong username or password");
    const ok = await bob.submit("/login?next=/groups", "/login", {
      username: "bob", password: "bob has a long password", next: "/groups",
    });
    expect(ok.url.pathname).toBe("/groups");
    expect(ok.html).toContain("Log out");
  });

  it("refuses forms without the CSRF token, with another session's token, or from another origin", async () => {
    const settings = await alice.get("/settings");
    const fields = { display_name: "Hacked", bio: "", member_type: "" };
    const none = await alice.request("POST", "/settings/profile", {
      body: new URLSearchParams(fields), headers: { Origin: instance.url.origin },
    });
    expect(none.status).toBe(403);
    const bobsToken = csrfToken((await bob.get("/settings")).html);
    expect((await alice.post("/settings/profile", { ...fields, _csrf: bobsToken })).status).toBe(403);
    const foreign = await alice.post("/settings/profile", fields, settings.html, { Origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    const crossSite = await alice.post("/settings/profile", fields, settings.html, { "Sec-Fetch-Site": "cross-site" });
    expect(crossSite.status).toBe(403);
    const account = await db().selectFrom("accounts").select("display_name").where("username", "=", "alice")
      .executeTakeFirstOrThrow();
    expect(account.display_name).toBe("Night owl");
    // The log-in form is protected too (double-submit cookie before a session exists).
    const stranger = new WebClient(instance);
    const login = await stranger.request("POST", "/login", {
      body: new URLSearchParams({ username: "bob", password: "bob has a long password" }),
      headers: { Origin: instance.url.origin },
    });
    expect(login.status).toBe(403);
  });

  it("edits the profile with a member-type badge, escaping what members type", async () => {
    const page = await alice.submit("/settings", "/settings/profile", {
      display_name: "Night owl <script>alert(1)</script>",
      bio: "Living with it since 2021. <img src=x onerror=alert(1)>",
      member_type: "patient",
    });
    expect(page.html).toContain("Your profile was saved");
    const profile = await new WebClient(instance).get("/@alice");
    expect(profile.html).toContain("Night owl &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(profile.html).not.toContain("<script>alert(1)");
    expect(profile.html).not.toContain("<img src=x");
    expect(profile.html).toContain(">Patient</span>");
    expect(profile.html).not.toContain("alice@example.org");
  });

  it("changes the password, logging out other sessions", async () => {
    const elsewhere = new WebClient(instance);
    await elsewhere.submit("/login", "/login", { username: "alice", password: "alice has a long password" });
    expect((await elsewhere.get("/settings")).status).toBe(200);
    const wrong = await alice.submit("/settings", "/settings/password", {
      current_password: "nope nope nope", new_password: "a brand new long password",
    });
    expect(wrong.status).toBe(422);
    const ok = await alice.submit("/settings", "/settings/password", {
      current_password: "alice has a long password", new_password: "a brand new long password",
    });
    expect(ok.html).toContain("Your password was changed");
    expect((await elsewhere.get("/settings")).url.pathname).toBe("/login");
    const again = new WebClient(instance);
    const login = await again.submit("/login", "/login", { username: "alice", password: "a brand new long password" });
    expect(login.html).toContain("Log out");
  });
});

describe("groups", () => {
  it("finds groups by full-text search", async () => {
    const found = await alice.get("/groups?q=covid");
    expect(found.html).toContain("Long COVID support");
    expect(found.html).not.toContain(">Carers circle<");
    const family = await alice.get("/groups?q=family%20member");
    expect(family.html).toContain("Carers circle");
    const none = await alice.get("/groups?q=zebra");
    expect(none.html).toContain("No group here matches");
  });

  it("lets members join an open group, and shows approval groups as pending", async () => {
    const group = await alice.get("/@long-covid");
    groupActorId = /action="\/g\/(\d+)\/join"/.exec(group.html)![1];
    expect(text(group.html)).toContain("0 members");
    const joined = await alice.submit("/@long-covid", `/g/${groupActorId}/join`, {});
    expect(joined.url.pathname).toBe("/@long-covid");
    expect(joined.html).toContain("You are a member");
    expect(text(joined.html)).toContain("1 member");
    await bob.submit("/@long-covid", `/g/${groupActorId}/join`, {});

    const carers = await bob.get("/@carers-circle");
    const carersId = /action="\/g\/(\d+)\/join"/.exec(carers.html)![1];
    expect(carers.html).toContain("Ask to join");
    const pending = await bob.submit("/@carers-circle", `/g/${carersId}/join`, {});
    expect(pending.html).toContain("Request pending");
    expect(pending.html).toContain("Cancel request");
    const cancelled = await bob.submit("/@carers-circle", `/g/${carersId}/leave`, {});
    expect(cancelled.html).toContain("Ask to join");
  });

  it("follows a group typed by handle, through the same lookup as the API", async () => {
    const other = new WebClient(instance);
    await other.signUp("carol", "Carol");
    const page = await other.submit("/groups", "/groups/follow", { handle: "carers-circle" });
    expect(page.url.pathname).toBe("/@carers-circle");
    expect(page.html).toContain("Request pending");
    const missing = await other.submit("/groups", "/groups/follow", { handle: "no-such-group" });
    expect(missing.status).toBe(404);
    expect(missing.html).toContain("No group found");
  });
});

describe("threads", () => {
  let threadPath: string;
  let replyId: string;

  it("previews a thread without posting it, then posts it", async () => {
    const fields = {
      title: "Pacing <b>tips</b>",
      body: "What helps you **pace** yourself? <script>alert(1)</script>",
      summary: "",
    };
    const preview = await alice.submit(`/g/${groupActorId}/new`, `/g/${groupActorId}/new`, { ...fields, action: "preview" });
    expect(preview.html).toContain("<strong>pace</strong>");
    expect(preview.html).not.toContain("<script>alert(1)");
    expect(await db().selectFrom("posts").select("id").executeTakeFirst()).toBeUndefined();
    const posted = await alice.post(`/g/${groupActorId}/new`, { ...fields, action: "post" }, preview.html);
    threadPath = posted.url.pathname;
    expect(threadPath).toMatch(/^\/posts\/\d+$/);
    expect(posted.html).toContain("Pacing &lt;b&gt;tips&lt;/b&gt;");
    expect(posted.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(posted.html).not.toContain("<script>alert(1)");
    expect(posted.html).toContain(">Patient</span>");
  });

  it("lets another member reply, nested and folded, with a content warning", async () => {
    const page = await bob.get(threadPath);
    const rootId = threadPath.split("/")[2];
    expect(page.html).toContain(`action="/p/${rootId}/reply"`);
    const replied = await bob.post(`/p/${rootId}/reply`, {
      body: "Rest *before* you are tired.", summary: "relapse", action: "post",
    }, page.html);
    expect(replied.url.pathname).toBe(threadPath);
    expect(replied.html).toContain("Content warning: relapse");
    expect(replied.html).toContain("<em>before</em>");
    expect(replied.html).toContain(">Caregiver / family</span>");
    replyId = /id="post-(\d+)" aria-label="Reply by Bob the carer"/.exec(replied.html)![1];
    const nested = await alice.submit(threadPath, `/p/${replyId}/reply`, { body: "Thank you, that helps.", action: "post" });
    expect(nested.status).toBe(200);
    expect(nested.html).toMatch(/<details open="" class="replies"><summary>2 replies<\/summary>/);
    expect(nested.html).toMatch(/<details open="" class="replies"><summary>1 reply<\/summary>/);
  });

  it("notifies the author of a reply", async () => {
    const header = await alice.get("/");
    expect(header.html).toContain("(1 new)");
    const notes = await alice.get("/notifications");
    expect(notes.html).toContain("Bob the carer");
    expect(notes.html).toContain("replied to you in");
    expect(notes.html).toContain("Pacing &lt;b&gt;tips&lt;/b&gt;");
    const read = await alice.post("/notifications/read", {}, notes.html);
    expect(read.html).not.toContain("(1 new)");
    const bobs = await bob.get("/notifications");
    expect(bobs.html).toContain("Night owl &lt;script&gt;");
    expect(bobs.html).toContain("replied to you in");
  });

  it("votes and takes the vote back", async () => {
    const rootId = threadPath.split("/")[2];
    const page = await bob.get(threadPath);
    const voted = await bob.post(`/p/${rootId}/vote`, { value: "1" }, page.html);
    expect(voted.html).toContain("Helpful (1)");
    expect(voted.html).toMatch(/value="0" aria-pressed="true" class="secondary">\s*Helpful \(1\)/);
    const undone = await bob.post(`/p/${rootId}/vote`, { value: "0" }, voted.html);
    expect(undone.html).toContain("Helpful (0)");
    await bob.post(`/p/${rootId}/vote`, { value: "1" }, undone.html);
  });

  it("edits own posts only, with a preview", async () => {
    const edit = await bob.get(`/p/${replyId}/edit`);
    expect(edit.html).toContain("Rest *before* you are tired.");
    expect((await alice.get(`/p/${replyId}/edit`)).status).toBe(404);
    const refused = await alice.post(`/p/${replyId}/edit`, { body: "Not mine", action: "post" }, (await alice.get("/")).html);
    expect(refused.status).toBe(403);
    const preview = await bob.post(`/p/${replyId}/edit`, { body: "Rest **before** you are tired.", summary: "relapse", action: "preview" }, edit.html);
    expect(preview.html).toContain("<strong>before</strong>");
    const saved = await bob.post(`/p/${replyId}/edit`, { body: "Rest **before** you are tired.", summary: "relapse", action: "post" }, edit.html);
    expect(saved.html).toContain("<strong>before</strong>");
    expect(saved.html).toContain("edited");
  });

  it("deletes own posts, keeping the thread's shape", async () => {
    const page = await bob.get(threadPath);
    const deleted = await bob.post(`/p/${replyId}/delete`, {}, page.html);
    expect(deleted.html).toContain("This post was deleted.");
    expect(deleted.html).toContain("Thank you, that helps.");
    expect(deleted.html).not.toContain("Rest <strong>before</strong>");
  });

  it("can be read without an account, without forms", async () => {
    const reader = new WebClient(instance);
    const group = await reader.get("/@long-covid");
    expect(group.html).toContain("Pacing &lt;b&gt;tips&lt;/b&gt;");
    expect(group.html).toContain("You can read it without an account");
    const thread = await reader.get(threadPath);
    expect(thread.status).toBe(200);
    expect(thread.html).toContain("Thank you, that helps.");
    expect(thread.html).not.toContain("<form");
    expect(thread.html).toContain('name="robots" content="noindex, nofollow"');
    expect(reader.cookies.size).toBe(0);
    const csp = thread.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
  });

  it("sorts threads and pages through them by keyset", async () => {
    const { createThread } = await import("../src/posts.ts");
    const { findActorById } = await import("../db/actors.ts");
    const ctx = instance.kindred.federation.createContext(instance.url, instance.kindred.contextData);
    const group = (await findActorById(db(), Number(groupActorId)))!;
    const author = (await db().selectFrom("actors").selectAll().where("username", "=", "alice").executeTakeFirstOrThrow());
    for (let i = 0; i < 30; i++) await createThread(ctx, author, group, { title: `Thread number ${i}`, body: "x" });
    for (const sort of ["active", "new", "top"]) {
      const seen: string[] = [];
      let path: string | undefined = `/@long-covid?sort=${sort}`;
      while (path) {
        const page = await alice.get(path);
        seen.push(...[...page.html.matchAll(/class="thread-title">([^<]+)</g)].map((m) => m[1]));
        const next = /href="([^"]+)" rel="next"/.exec(page.html)?.[1];
        path = next?.replaceAll("&amp;", "&");
      }
      expect(seen, sort).toHaveLength(31);
      expect(new Set(seen).size, sort).toBe(31);
      if (sort === "top") expect(seen[0]).toBe("Pacing &lt;b&gt;tips&lt;/b&gt;");
      if (sort === "new") expect(seen[0]).toBe("Thread number 29");
    }
  });

  it("logs out, ending the session", async () => {
    const page = await bob.get("/");
    const out = await bob.post("/logout", {}, page.html);
    expect(out.html).toContain("Log in");
    expect(bob.cookies.has("kindred_session")).toBe(false);
    expect((await bob.get("/notifications")).url.pathname).toBe("/login");
  });
});
