/**
 * A member's data rights on one instance: the export (API and web) holds
 * everything of theirs and nothing about them written by others; deleting
 * from the web needs the password and the confirmation, and keeps the
 * shape of threads and the reports they filed (without them).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiOk, createLocalGroup, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { WebClient } from "./helpers/web.ts";
import { contains, lacePng, SECRET } from "./helpers/images.ts";

let instance: TestInstance;
let pat: Member, sam: Member;
let groupId: number;
let patThreadId: number, samThreadId: number;
const db = () => instance.kindred.database.db;

beforeAll(async () => {
  instance = await startInstance();
  await createLocalGroup(instance, { slug: "me-cfs", name: "ME/CFS", description: "Peer support." });
  [pat, sam] = await Promise.all([createMember(instance, "pat"), createMember(instance, "sam")]);
  for (const m of [pat, sam]) groupId = (await apiOk(m, "POST", "/groups/follow", { handle: "me-cfs" })).group.id;
  patThreadId = (await apiOk(pat, "POST", `/groups/${groupId}/threads`, {
    title: "Crash after a walk",
    body: "Pacing **failed** me.",
    images: [{ data: Buffer.from(lacePng()).toString("base64"), alt: "My step counter" }],
  })).post.id;
  samThreadId = (await apiOk(sam, "POST", `/groups/${groupId}/threads`, { title: "Sleep", body: "Anyone sleeping well?" })).post.id;
  await apiOk(pat, "POST", `/posts/${samThreadId}/replies`, { body: "Not since 2019." });
  await apiOk(pat, "PUT", `/posts/${samThreadId}/vote`, { value: 1 });
  // Pat reports Sam's thread; Sam reports Pat's (not Pat's to see).
  await apiOk(pat, "POST", `/posts/${samThreadId}/report`, { reason: "spam", comment: "pat's report" });
  await apiOk(sam, "POST", `/posts/${patThreadId}/report`, { reason: "other", comment: "sam's report about pat" });
  await apiOk(pat, "POST", `/groups/${groupId}/feedback`, { category: "praise", body: "Thank you, moderators." });
}, 120_000);
afterAll(async () => {
  await instance?.stop();
});

describe("the export", () => {
  it("holds the member's records and their posts as an outbox, as an attachment", async () => {
    const res = await fetch(new URL("/api/v1/me/export", instance.url), { headers: { Authorization: `Bearer ${pat.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="kindred-pat-\d{4}-\d{2}-\d{2}\.json"$/);
    const file = await res.json();
    expect(file.actor).toBe(pat.uri);
    const { data, outbox } = file;
    expect(data.account.username).toBe("pat");
    expect(data.memberships.map((m: any) => m.group)).toEqual([new URL("/@me-cfs", instance.url).href]);
    expect(data.posts.map((p: any) => p.source)).toEqual(["Pacing **failed** me.", "Not since 2019."]);
    expect(data.votes).toHaveLength(1);
    expect(data.votes[0].value).toBe(1);
    expect(data.reports.map((r: any) => r.comment)).toEqual(["pat's report"]);
    expect(JSON.stringify(data)).not.toContain("sam's report about pat");
    expect(data.feedback.map((f: any) => f.body)).toEqual(["Thank you, moderators."]);
    expect(Array.isArray(data.notifications)).toBe(true);
    // Pat's image, as served: re-encoded, without what the uploaded file carried.
    expect(data.images).toHaveLength(1);
    expect(data.images[0]).toMatchObject({ alt: "My step counter", content_type: "image/png", width: 40, height: 30 });
    const png = Buffer.from(data.images[0].base64, "base64");
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(contains(png, SECRET)).toBe(false);
    expect(outbox.type).toBe("OrderedCollection");
    expect(outbox.totalItems).toBe(2);
    expect(outbox.orderedItems.map((a: any) => a.type)).toEqual(["Create", "Create"]);
    expect(outbox.orderedItems[0].actor).toBe(pat.uri);
    expect(outbox.orderedItems[0].object.type).toBe("Page");
    expect(outbox.orderedItems[0].object.content).toContain("<strong>failed</strong>");
    expect(outbox.orderedItems[1].object.type).toBe("Note");
  });

  it("is a download from /settings/data too", async () => {
    const web = new WebClient(instance);
    await web.signUp("robin");
    const page = await web.get("/settings/data");
    expect(page.html).toContain("Download my data");
    const body = new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(page.html)![1] });
    const res = await web.raw("POST", "/settings/data/export", { body, headers: { Origin: instance.url.origin } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain("attachment");
    const file = await res.json();
    expect(file.data.account.username).toBe("robin");
    expect(file.data.consents).toHaveLength(1);
  });
});

describe("deleting from the web", () => {
  it("needs the password and the confirmation, then erases the account and logs out", async () => {
    const web = new WebClient(instance);
    await web.signUp("quinn");
    let page = await web.submit("/settings/data", "/settings/data/delete", { password: "quinn has a long password" });
    expect(page.status).toBe(422);
    expect(page.html).toContain("tick the box");
    page = await web.submit("/settings/data", "/settings/data/delete", { password: "wrong password", confirm: "yes" });
    expect(page.status).toBe(422);
    expect(page.html).toContain("the password is not right");
    page = await web.submit("/settings/data", "/settings/data/delete", { password: "quinn has a long password", confirm: "yes" });
    expect(page.status).toBe(200);
    expect(page.html).toContain("Your account is deleted");
    const account = await db().selectFrom("accounts").selectAll().where("username", "=", "quinn").executeTakeFirstOrThrow();
    expect(account.deleted_at).not.toBeNull();
    expect(account.password_hash).toBeNull();
    expect(account.display_name).toBe("");
    expect(await db().selectFrom("sessions").select("id_hash").where("account_id", "=", account.id).execute()).toEqual([]);
    expect(await db().selectFrom("consents").select("id").where("account_id", "=", account.id).execute()).toEqual([]);
    expect((await web.get("/settings")).url.pathname).toBe("/login");
  });

  it("keeps the thread's shape and the reports filed, without the reporter", async () => {
    await apiOk(pat, "DELETE", "/me", { password: "pat has a long password" });
    const thread = await db().selectFrom("posts").selectAll().where("id", "=", patThreadId).executeTakeFirstOrThrow();
    expect(thread.deleted_at).not.toBeNull();
    expect(thread.content_html).toBe("");
    const sams = await db().selectFrom("posts").selectAll().where("id", "=", samThreadId).executeTakeFirstOrThrow();
    expect(sams.deleted_at).toBeNull();
    expect(sams.reply_count).toBe(1);
    expect(sams.like_count).toBe(0);
    const reports = await db().selectFrom("reports").select(["comment", "reporter_actor_id"]).orderBy("id").execute();
    expect(reports.map((r) => r.comment)).toEqual(["pat's report", "sam's report about pat"]);
    expect(reports[0].reporter_actor_id).toBeNull();
    expect(reports[1].reporter_actor_id).not.toBeNull();
    const feedback = await db().selectFrom("feedback").select(["body", "author_actor_id"]).execute();
    expect(feedback).toEqual([{ body: "Thank you, moderators.", author_actor_id: null }]);
    // A local-only account: nothing to send, so the actor is gone at once.
    const res = await fetch(pat.uri, { headers: { Accept: "application/activity+json" } });
    expect(res.status).toBe(410);
    // The name is never given to someone else.
    const taken = await new WebClient(instance).signUp("pat");
    expect(taken.status).toBe(422);
    expect(taken.html).toContain("already taken");
  });
});

describe("retention and the admin's views", () => {
  it("deletes members unused for longer than the retention period, never admins, through the same path", async () => {
    const { runCommand } = await import("../src/cli/commands.ts");
    const kindred = instance.kindred;
    const out: string[] = [];
    const io = {
      db: db(),
      origin: instance.url,
      fedify: () => kindred.federation.createContext(instance.url, kindred.contextData),
      out: (l: string) => out.push(l),
      err: (l: string) => out.push(l),
    };
    expect(await runCommand(["retention", "run"], io)).toBe(2);
    expect(out.join("\n")).toContain("retention is off");
    const idle = await createMember(instance, "idle");
    await createMember(instance, "oldadmin");
    await db().updateTable("accounts").set({ role: "admin" }).where("username", "=", "oldadmin").execute();
    await apiOk(idle, "POST", "/groups/follow", { handle: "me-cfs" });
    await apiOk(idle, "POST", `/groups/${groupId}/threads`, { title: "Old news", body: "From long ago." });
    await db().updateTable("accounts").set({ last_active_at: new Date(Date.now() - 400 * 86400_000) })
      .where("username", "in", ["idle", "sam", "oldadmin"]).execute();
    await apiOk(sam, "GET", "/guidelines"); // Sam comes back: active again.
    out.length = 0;
    expect(await runCommand(["retention", "run"], { ...io, retentionInactiveDays: 365 })).toBe(0);
    expect(out.join("\n")).toContain("Deleted 1 account(s) unused for over 365 days: idle.");
    const account = await db().selectFrom("accounts").selectAll().where("username", "=", "idle").executeTakeFirstOrThrow();
    expect(account.deleted_at).not.toBeNull();
    const post = await db().selectFrom("posts").selectAll().where("author_id", "=", (await db().selectFrom("actors")
      .select("id").where("uri", "=", idle.uri).executeTakeFirstOrThrow()).id).executeTakeFirstOrThrow();
    expect(post.content_html).toBe("");
    expect((await db().selectFrom("accounts").select("deleted_at").where("username", "=", "sam").executeTakeFirstOrThrow()).deleted_at)
      .toBeNull();
  });

  it("lets only admins publish guidelines and see the delivery tracking", async () => {
    expect((await api(sam, "POST", "/admin/guidelines", { text: "x" })).status).toBe(403);
    expect((await api(sam, "GET", "/admin/deletions")).status).toBe(403);
    await db().updateTable("accounts").set({ role: "admin" }).where("username", "=", "sam").execute();
    expect((await apiOk(sam, "POST", "/admin/guidelines", { text: "## Version two" })).version).toBe(2);
    expect(await apiOk(sam, "GET", "/guidelines")).toEqual({ version: 2, text: "## Version two" });
    // Local-only deletions have nothing to deliver.
    expect((await apiOk(sam, "GET", "/admin/deletions")).deliveries).toEqual([]);
  });
});

describe("tracked deliveries", () => {
  it("gives up on a permanent refusal and retries later after a network failure", async () => {
    const { trackDeliveries, listDeliveries } = await import("../db/delivery-tracking.ts");
    const { runDueDeletionDeliveries } = await import("../federation/account-deletion.ts");
    const { freePort } = await import("./helpers/instance.ts");
    const gone = await createMember(instance, "gone");
    const account = await db().selectFrom("accounts").select("id").where("username", "=", "gone").executeTakeFirstOrThrow();
    await apiOk(gone, "DELETE", "/me", { password: "gone has a long password" });
    const json = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: new URL("/activities/00000000-0000-4000-8000-000000000001", instance.url).href,
      type: "Delete",
      actor: gone.uri,
      object: gone.uri,
      to: "https://www.w3.org/ns/activitystreams#Public",
    };
    const refusing = new URL("/no-such-inbox", instance.url).href; // a 4xx
    const down = `http://127.0.0.1:${await freePort()}/inbox`; // nothing listens
    await trackDeliveries(db(), account.id, [{ uri: json.id, json }], [refusing, down]);
    // The actor stays served while deliveries are pending (receivers verify with its key).
    expect((await fetch(gone.uri, { headers: { Accept: "application/activity+json" } })).status).toBe(200);
    const kindred = instance.kindred;
    await runDueDeletionDeliveries(kindred.federation.createContext(instance.url, kindred.contextData));
    // The server's own delivery loop (every 2 s) may have claimed them first:
    // either way, wait until both have been tried once.
    const deadline = Date.now() + 20_000;
    while ((await listDeliveries(db(), account.id)).some((r) => r.attempts < 1) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const rows = await listDeliveries(db(), account.id);
    const byInbox = new Map(rows.map((r) => [r.inbox_url, r]));
    expect(byInbox.get(refusing)).toMatchObject({ state: "failed", attempts: 1 });
    expect(byInbox.get(refusing)!.last_error).toMatch(/\(4\d\d /);
    expect(byInbox.get(down)).toMatchObject({ state: "pending", attempts: 1 });
    const next = await db().selectFrom("deletion_deliveries").select("next_attempt_at").where("inbox_url", "=", down)
      .executeTakeFirstOrThrow();
    expect(next.next_attempt_at.getTime()).toBeGreaterThan(Date.now() + 20_000);
  });
});
