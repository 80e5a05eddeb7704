/**
 * The admins' page for the community guidelines (/admin/guidelines):
 * preview without publishing, publish a new version (which members must
 * consent to again), the history of versions; admins only, CSRF-checked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { csrfToken, text, WebClient } from "./helpers/web.ts";

let instance: TestInstance;
const db = () => instance.kindred.database.db;
const PASSWORD = "a long admin passphrase";
let admin: WebClient;
let member: WebClient;

const NEW_TEXT = "## Our guidelines\n\n1. **Be kind.**\n2. No names of other people.\n\n<script>alert(1)</script>";

beforeAll(async () => {
  instance = await startInstance();
  await createAccount(db(), instance.url, { username: "ada", password: PASSWORD, role: "admin" });
  admin = new WebClient(instance);
  await admin.submit("/login", "/login", { username: "ada", password: PASSWORD });
  member = new WebClient(instance);
  await member.signUp("sam");
}, 120_000);
afterAll(async () => {
  await instance?.stop();
});

const stored = () => db().selectFrom("guidelines").select(["version", "text"]).orderBy("version").execute();

describe("/admin/guidelines", () => {
  it("is for instance admins only", async () => {
    const anonymous = await new WebClient(instance).get("/admin/guidelines");
    expect(anonymous.url.pathname).toBe("/login");
    const page = await member.get("/admin/guidelines");
    expect(page.status).toBe(403);
    const settings = await member.get("/settings");
    const refused = await member.post("/admin/guidelines", { text: NEW_TEXT, action: "publish" }, settings.html);
    expect(refused.status).toBe(403);
    expect(await stored()).toEqual([]);
  });

  it("shows the current version and its history, linked from /admin", async () => {
    expect((await admin.get("/admin")).html).toContain('href="/admin/guidelines"');
    const page = await admin.get("/admin/guidelines");
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain("Publish version 2");
    expect(page.html).toContain("Your health data");
    expect(text(page.html)).toContain("1 (current)");
    expect(text(page.html)).toContain("shipped with Kindred");
  });

  it("previews a draft without publishing it, with HTML shown as text", async () => {
    const form = await admin.get("/admin/guidelines");
    const preview = await admin.post("/admin/guidelines", { text: NEW_TEXT, action: "preview" }, form.html);
    expect(preview.status).toBe(200);
    expect(preview.html).toContain("Preview (not published)");
    expect(preview.html).toContain("<strong>Be kind.</strong>");
    expect(preview.html).not.toContain("<script>alert(1)</script>");
    // The draft stays in the form.
    expect(preview.html).toContain("No names of other people.");
    expect(await stored()).toEqual([]);
  });

  it("refuses an empty text, an unchanged text and a form without its CSRF token", async () => {
    const form = await admin.get("/admin/guidelines");
    const empty = await admin.post("/admin/guidelines", { text: "   ", action: "publish" }, form.html);
    expect(empty.status).toBe(422);
    expect(empty.html).toContain("must not be empty");
    const current = (await admin.get("/guidelines")).html;
    expect(current).toContain("Version 1");
    const unchanged = await admin.post("/admin/guidelines", {
      text: (await import("../src/consent.ts")).DEFAULT_GUIDELINES,
      action: "publish",
    }, form.html);
    expect(unchanged.status).toBe(422);
    expect(unchanged.html).toContain("this is the text of version 1");
    const forged = await admin.post("/admin/guidelines", { text: NEW_TEXT, action: "publish", _csrf: "forged" });
    expect(forged.status).toBe(403);
    expect(await stored()).toEqual([]);
  });

  it("publishes a new version: members see it and are asked to consent again", async () => {
    const form = await admin.get("/admin/guidelines");
    const published = await admin.post("/admin/guidelines", { text: NEW_TEXT, action: "publish" }, form.html);
    expect(published.url.pathname).toBe("/admin/guidelines");
    expect(text(published.html)).toContain("Version 2 is published");
    expect(await stored()).toEqual([{ version: 2, text: NEW_TEXT }]);
    expect(text(published.html)).toContain("2 (current)");
    expect(text(published.html)).toContain("Publish version 3");
    // sam consented to version 1 at sign-up: counted there, none yet for 2.
    const rows = [...published.html.matchAll(/<tr><td>(\d+)[^<]*<\/td><td>[^<]*<\/td><td>(\d+)<\/td><\/tr>/g)]
      .map((m) => [Number(m[1]), Number(m[2])]);
    expect(rows).toEqual([[2, 0], [1, 1]]);

    const guidelines = await member.get("/guidelines");
    expect(guidelines.html).toContain("Version 2");
    expect(guidelines.html).toContain("<strong>Be kind.</strong>");
    const data = await member.get("/settings/data");
    expect(data.html).toContain("the guidelines have changed");
    expect(csrfToken(data.html)).toBeTruthy();
  });
});
