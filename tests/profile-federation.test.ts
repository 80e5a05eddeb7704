/**
 * A member's profile change reaches the remote groups they belong to
 * (`Update(Person)`), and logging in clears expired sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance;
let bob: Member;

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  await createLocalGroup(a, { slug: "myeloma", name: "Myeloma friends" });
  bob = await createMember(b, "bob");
  await apiOk(bob, "POST", "/groups/follow", { handle: new URL("/@myeloma", a.url).href });
  await waitForQueues([a, b]);
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
});

describe("profile changes", () => {
  it("sends the new display name and bio to the instances of the member's remote groups", async () => {
    const web = new WebClient(b);
    await web.submit("/login", "/login", { username: "bob", password: "bob has a long password" });
    const saved = await web.submit("/settings", "/settings/profile", { display_name: "Bob (caregiver)", bio: "Caring for my wife." });
    expect(saved.status).toBe(200);
    await waitForQueues([a, b]);
    const copy = await a.kindred.database.db.selectFrom("actors").select(["name", "summary_html"])
      .where("uri", "=", bob.uri).executeTakeFirstOrThrow();
    expect(copy.name).toBe("Bob (caregiver)");
    expect(copy.summary_html).toContain("Caring for my wife.");
  });
});

describe("sessions", () => {
  it("purges expired sessions when someone logs in", async () => {
    const db = b.kindred.database.db;
    const account = await db.selectFrom("accounts").select("id").where("username", "=", "bob").executeTakeFirstOrThrow();
    await db.insertInto("sessions").values({ id_hash: "expired-one", account_id: account.id, expires_at: new Date(Date.now() - 1000) })
      .execute();
    const web = new WebClient(b);
    await web.submit("/login", "/login", { username: "bob", password: "bob has a long password" });
    const left = await db.selectFrom("sessions").select("id_hash").where("expires_at", "<", new Date()).execute();
    expect(left).toEqual([]);
    expect((await db.selectFrom("sessions").select("id_hash").execute()).length).toBeGreaterThan(0);
  });
});
