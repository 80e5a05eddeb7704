/**
 * The moderation pages in real Chromium with JavaScript off: the owner bans
 * a member from a post through the ban form and appoints a mentor; axe-core
 * finds no serious or critical violation on the staff, ban and admin pages.
 */
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createAccount } from "../src/accounts.ts";
import { apiOk, createLocalGroup, createMember } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const screenshots = new URL("./artifacts/screenshots/", import.meta.url).pathname;
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

let instance: TestInstance;
let browser: Browser;
const contexts: BrowserContext[] = [];
let groupId: number;
let threadId: number;

async function loggedIn(username: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: instance.url.href, javaScriptEnabled: false });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(`${username} has a long password`);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((url) => url.pathname !== "/login");
  return page;
}

async function axeScan(path: string, from: BrowserContext): Promise<string[]> {
  const context = await browser.newContext({ baseURL: instance.url.href, bypassCSP: true });
  contexts.push(context);
  await context.addCookies(await from.cookies());
  const page = await context.newPage();
  await page.goto(path);
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    return await (globalThis as any).axe.run(document, { resultTypes: ["violations"] });
  }) as { violations: { id: string; impact: string; help: string }[] };
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${path}: ${v.id} (${v.impact}) ${v.help}`);
}

describe.skipIf(!hasChromium)(`moderation pages in Chromium${hasChromium ? "" : " (skipped: no Chromium)"}`, () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    instance = await startInstance({ LOG_LEVEL: "error" });
    await createAccount(instance.kindred.database.db, instance.url, {
      username: "rosa", password: "rosa has a long password", role: "admin",
    });
    const [owner, sam] = [await createMember(instance, "owner"), await createMember(instance, "sam")];
    await createLocalGroup(instance, { slug: "kidney", name: "Kidney support", owner: "owner" });
    groupId = (await apiOk(owner, "POST", "/groups/follow", { handle: "kidney" })).group.id;
    await apiOk(sam, "POST", "/groups/follow", { handle: "kidney" });
    threadId = (await apiOk(sam, "POST", `/groups/${groupId}/threads`, { title: "Dialysis diet", body: "Tips?" })).post.id;
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, chromiumSandbox: false });
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await instance?.stop();
  });

  it("lets the owner ban from a post and appoint a mentor, without JavaScript; the pages pass axe-core", async () => {
    const owner = await loggedIn("owner");
    await owner.goto(`/p/${threadId}`);
    await owner.getByRole("link", { name: "Ban author" }).click();
    await owner.getByLabel("Reason").fill("Selling supplements");
    await owner.getByLabel("30 days").check();
    await owner.getByLabel("Also remove their posts in this group").check();
    await owner.screenshot({ path: `${screenshots}ban-form.png`, fullPage: true });
    await owner.getByRole("button", { name: "Ban" }).click();
    await owner.getByText("Selling supplements").first().waitFor();
    await owner.getByLabel("Member", { exact: true }).fill("rosa");
    await owner.getByLabel(/Mentor:/).check();
    await owner.getByRole("button", { name: "Appoint" }).click();
    await owner.getByText("Mentor").first().waitFor();
    await owner.screenshot({ path: `${screenshots}staff-and-bans.png`, fullPage: true });
    const ban = await instance.kindred.database.db.selectFrom("group_bans").select(["reason", "expires_at"])
      .executeTakeFirstOrThrow();
    expect(ban.reason).toBe("Selling supplements");
    expect(Math.round((ban.expires_at!.getTime() - Date.now()) / 86_400_000)).toBe(30);

    const root = await loggedIn("rosa");
    await root.goto("/admin");
    await root.screenshot({ path: `${screenshots}admin.png`, fullPage: true });
    const samId = (await instance.kindred.database.db.selectFrom("actors").select("id").where("username", "=", "sam")
      .executeTakeFirstOrThrow()).id;
    const problems = [
      ...await axeScan(`/g/${groupId}/staff`, owner.context()),
      ...await axeScan(`/g/${groupId}/ban?actor=${samId}`, owner.context()),
      ...await axeScan(`/p/${threadId}`, owner.context()),
      ...await axeScan("/admin", root.context()),
      ...await axeScan("/admin/guidelines", root.context()),
    ];
    expect(problems).toEqual([]);
  });
});
