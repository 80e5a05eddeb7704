/**
 * Issue 6, item 7: an account made by `kindred admin create` has given no
 * consent, so on its first web log-in it is asked to accept the current
 * guidelines and the health-data consent before anything else; until then
 * every page sends it to `/consent` (the guidelines, crisis resources, its
 * data and logging out stay open) and it may not post through the API
 * either.  Members who signed up are never asked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logIn } from "../src/auth.ts";
import { runCommand } from "../src/cli/commands.ts";
import { publishGuidelines } from "../src/consent.ts";
import { api, createLocalGroup, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { WebClient } from "./helpers/web.ts";

let instance: TestInstance;
const db = () => instance.kindred.database.db;
const PASSWORD = "a long admin passphrase";
let groupId: number;

async function cli(args: string[]): Promise<number> {
  return await runCommand(args, {
    db: db(),
    origin: instance.url,
    fedify: () => instance.kindred.federation.createContext(instance.url, instance.kindred.contextData),
    out: () => {},
    err: () => {},
  });
}

beforeAll(async () => {
  instance = await startInstance();
  const group = await createLocalGroup(instance, { slug: "ms-circle", name: "MS circle", description: "Peer support." });
  groupId = group.id;
  // A newer version than the shipped one: the page must show the current text.
  await publishGuidelines(db(), "## Guidelines, version 2\n\nBe kind and **keep names out**.");
  expect(await cli(["admin", "create", "--username", "ada", "--password", PASSWORD])).toBe(0);
}, 120_000);
afterAll(async () => {
  await instance?.stop();
});

async function consents(username: string) {
  return await db().selectFrom("consents").innerJoin("accounts", "accounts.id", "consents.account_id")
    .select(["consents.guidelines_version", "consents.withdrawn_at"]).where("accounts.username", "=", username).execute();
}

describe("consent on first log-in", () => {
  it("asks a CLI-made admin to consent before anything else, then lets them on", async () => {
    const web = new WebClient(instance);
    const landing = await web.submit("/login?next=%2Fadmin", "/login", { username: "ada", password: PASSWORD, next: "/admin" });
    expect(landing.url.pathname).toBe("/consent");
    expect(landing.html).toContain("Community guidelines, version 2");
    expect(landing.html).toContain("<strong>keep names out</strong>");

    // Every other page leads back here; a POST changes nothing.
    for (const path of ["/", "/admin", "/groups", "/settings", "/notifications", `/@ms-circle`]) {
      expect((await web.get(path)).url.pathname, path).toBe("/consent");
    }
    const joined = await web.post(`/g/${groupId}/join`, {}, landing.html);
    expect(joined.url.pathname).toBe("/consent");
    expect(await db().selectFrom("follows").select("follower_id").execute()).toEqual([]);

    // What stays open: the guidelines, crisis resources, their data.
    expect((await web.get("/guidelines")).url.pathname).toBe("/guidelines");
    expect((await web.get("/help/crisis")).url.pathname).toBe("/help/crisis");
    expect((await web.get("/settings/data")).url.pathname).toBe("/settings/data");

    // Sending the form without ticking the box: refused, nothing recorded.
    const unticked = await web.post("/consent", { next: "/admin" }, landing.html);
    expect(unticked.status).toBe(422);
    expect(unticked.html).toContain("Tick the box");
    expect(await consents("ada")).toEqual([]);

    const accepted = await web.post("/consent", { consent: "yes", next: "/admin" }, landing.html);
    expect(accepted.url.pathname).toBe("/admin");
    expect(accepted.status).toBe(200);
    expect(await consents("ada")).toEqual([{ guidelines_version: 2, withdrawn_at: null }]);
    expect((await web.get("/groups")).url.pathname).toBe("/groups");
    // Asked once: the consent page now just sends them on.
    expect((await web.get("/consent?next=%2Fsettings")).url.pathname).toBe("/settings");
  });

  it("refuses posting through the API until the consent is given", async () => {
    expect(await cli(["admin", "create", "--username", "bea", "--password", PASSWORD])).toBe(0);
    const bea: Member = { instance, username: "bea", token: (await logIn(db(), "bea", PASSWORD))!, uri: "" };
    await api(bea, "POST", "/groups/follow", { handle: "ms-circle" });
    const refused = await api(bea, "POST", `/groups/${groupId}/threads`, { title: "Hello", body: "First post." });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toContain("consent");
    expect(await db().selectFrom("posts").select("id").where("title", "=", "Hello").executeTakeFirst()).toBeUndefined();
  });

  it("never asks a member who consented at sign-up", async () => {
    const web = new WebClient(instance);
    await web.signUp("sam");
    expect((await web.get("/groups")).url.pathname).toBe("/groups");
    expect((await web.get("/consent")).url.pathname).toBe("/");
    expect(await consents("sam")).toEqual([{ guidelines_version: 2, withdrawn_at: null }]);
  });

  it("keeps a logged-out visitor's pages as they were", async () => {
    const page = await new WebClient(instance).get("/groups");
    expect(page.url.pathname).toBe("/groups");
    expect(page.status).toBe(200);
    expect((await new WebClient(instance).get("/consent")).url.pathname).toBe("/login");
  });
});
