/**
 * The member pages in real Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core): two members sign up, join an admin-created group, one
 * posts, the other replies and votes; axe-core finds no serious or critical
 * violation on the main pages; screenshots go to tests/artifacts/screenshots/.
 */
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { createAccount } from "../src/accounts.ts";
import { createGroup } from "../src/groups.ts";
import { waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { addGroupStaff } from "../db/groups.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const screenshots = new URL("./artifacts/screenshots/", import.meta.url).pathname;
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

let instance: TestInstance;
let browser: Browser;
let contexts: BrowserContext[] = [];

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: instance.url.href, javaScriptEnabled: false });
  contexts.push(context);
  return await context.newPage();
}

/** axe-core needs script: scans run in their own page with JavaScript on (the app serves none). */
async function axeScan(path: string, cookiesFrom?: BrowserContext): Promise<string[]> {
  const context = await browser.newContext({ baseURL: instance.url.href, bypassCSP: true });
  contexts.push(context);
  if (cookiesFrom) await context.addCookies(await cookiesFrom.cookies());
  const page = await context.newPage();
  await page.goto(path);
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const axe = (globalThis as any).axe;
    return await axe.run(document, { resultTypes: ["violations"] });
  }) as {
    testEngine: { name: string };
    violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
  };
  expect(result.testEngine.name).toBe("axe-core");
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${path}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Waits until the locator's first match is visible (after a navigation, too). */
async function shown(locator: Locator) {
  await locator.first().waitFor({ state: "visible", timeout: 10_000 });
}

async function textOf(locator: Locator): Promise<string> {
  await shown(locator);
  return ((await locator.first().textContent()) ?? "").trim();
}

async function shoot(page: Page, name: string) {
  await page.screenshot({ path: `${screenshots}${name}.png`, fullPage: true });
}

async function signUp(page: Page, username: string, displayName: string, memberType: string) {
  await page.goto("/signup");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Display name").fill(displayName);
  await page.getByLabel("Password").fill(`${username} has a long password`);
  await page.getByLabel(memberType).check();
  await page.getByLabel(/I am at least/).check();
  await page.getByLabel(/community guidelines/).check();
  await page.getByRole("button", { name: "Create my account" }).click();
  await shown(page.getByText("Your account is ready"));
}

describe.skipIf(!hasChromium)(`in Chromium${hasChromium ? "" : ` (skipped: ${CHROMIUM} not found)`}`, () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    instance = await startInstance();
    await createGroup(instance.kindred.database.db, instance.url, {
      slug: "long-covid",
      name: "Long COVID support",
      description: "Peer support for people living with **long COVID**.\n\nBe kind; no medical advice.",
    });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, chromiumSandbox: false });
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await instance?.stop();
  });

  let threadUrl: string;
  let ana: Page, ben: Page;

  it("lets two members sign up, join, post, reply and vote, with JavaScript off", async () => {
    ana = await newPage();
    ben = await newPage();
    await signUp(ana, "ana", "Ana", "Patient");
    await shoot(ana, "groups-directory");
    await ana.getByRole("link", { name: "Long COVID support" }).first().click();
    await ana.getByRole("button", { name: "Join group" }).click();
    await shown(ana.getByText("You are a member"));
    await ana.getByRole("link", { name: "Start a thread" }).click();
    await ana.getByLabel("Title").fill("Brain fog at work");
    await ana.getByLabel("Message").fill("How do you explain **brain fog** to your manager?");
    await ana.getByRole("button", { name: "Preview" }).click();
    expect(await textOf(ana.locator(".preview strong"))).toBe("brain fog");
    await shoot(ana, "compose-preview");
    await ana.getByRole("button", { name: "Post thread" }).click();
    expect(await textOf(ana.getByRole("heading", { level: 1 }))).toBe("Brain fog at work");
    threadUrl = ana.url();

    await signUp(ben, "ben", "Ben", "Caregiver / family");
    await ben.goto("/@long-covid");
    await ben.getByRole("button", { name: "Join group" }).click();
    await ben.getByRole("link", { name: "Brain fog at work" }).click();
    const root = ben.locator("article.thread > .actions");
    await root.locator("summary", { hasText: "Reply" }).click();
    await root.getByLabel("Your reply").fill("I showed mine a short *article* about it.");
    await root.getByRole("button", { name: "Post reply" }).click();
    await ben.locator("article.thread > .actions").getByRole("button", { name: "Helpful (0)", exact: true }).click();
    await shown(ben.locator("article.thread > .actions").getByRole("button", { name: "Helpful (1)", exact: true }));
    expect(await textOf(ben.locator("article.reply em"))).toBe("article");
    await shoot(ben, "thread");

    await ana.goto(threadUrl);
    await shown(ana.getByText("How do you explain"));
    await shown(ana.getByText("I showed mine a short"));
    expect(await textOf(ana.locator("article.reply .badge"))).toBe("Caregiver / family");
    expect(await textOf(ana.getByRole("link", { name: /Notifications/ }))).toContain("1 new");
    await ana.getByRole("link", { name: /Notifications/ }).click();
    await shown(ana.getByText("replied to you in"));
    await shoot(ana, "notifications");
    await ana.goto("/@long-covid");
    await shoot(ana, "group");
  });

  it("does the same across two instances: a member of B joins A's group and posts there", async () => {
    const b = await startInstance();
    try {
      const context = await browser.newContext({ baseURL: b.url.href, javaScriptEnabled: false });
      contexts.push(context);
      const cleo = await context.newPage();
      await signUp(cleo, "cleo", "Cleo", "Supporter");
      await cleo.goto("/groups");
      await cleo.getByLabel("Group handle or address").fill(new URL("/@long-covid", instance.url).href);
      await cleo.getByRole("button", { name: "Join", exact: true }).click();
      await waitForQueues([instance, b]);
      await cleo.reload();
      await shown(cleo.getByText("You are a member"));
      await cleo.getByRole("link", { name: "Start a thread" }).click();
      await cleo.getByLabel("Title").fill("Pacing tips from a supporter");
      await cleo.getByLabel("Message").fill("What helped my partner: **short walks**.");
      await cleo.getByRole("button", { name: "Post thread" }).click();
      expect(await textOf(cleo.getByRole("heading", { level: 1 }))).toBe("Pacing tips from a supporter");
      await waitForQueues([instance, b]);

      // Ana, on A, sees it, replies, and Cleo sees the reply on B.
      await ana.goto("/@long-covid");
      await ana.getByRole("link", { name: "Pacing tips from a supporter" }).click();
      await shown(ana.getByText(`@cleo@${b.host}`));
      const root = ana.locator("article.thread > .actions");
      await root.locator("summary", { hasText: "Reply" }).click();
      await root.getByLabel("Your reply").fill("Thank you, Cleo.");
      await root.getByRole("button", { name: "Post reply" }).click();
      await waitForQueues([instance, b]);
      await cleo.reload();
      await shown(cleo.getByText("Thank you, Cleo."));
      await shoot(cleo, "thread-on-second-instance");
    } finally {
      await b.stop();
    }
  });

  it("reaches the main content with the skip link and shows focus", async () => {
    const page = await newPage();
    await page.goto("/");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    const outline = await skip.evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).not.toBe("none");
    await shoot(page, "front-page");
  });

  it("has no serious or critical axe-core violation on the main pages", async () => {
    const anon = ["/", "/groups", "/@long-covid", "/signup", "/login", new URL(threadUrl).pathname];
    const member = ["/", "/groups", "/@long-covid", new URL(threadUrl).pathname, "/settings", "/settings/email", "/notifications",
      (await (async () => {
        const id = await ana.locator('a[href^="/g/"][href$="/new"]').getAttribute("href").catch(() => null);
        return id ?? "/groups";
      })())];
    const problems: string[] = [];
    for (const path of anon) problems.push(...await axeScan(path));
    for (const path of member) problems.push(...await axeScan(path, ana.context()));
    expect(problems).toEqual([]);
  });

  it("has no serious or critical axe-core violation on the moderators' and admins' pages", async () => {
    const db = instance.kindred.database.db;
    await createAccount(db, instance.url, { username: "adele", password: "adele has a long password", role: "admin" });
    const group = await db.selectFrom("actors").select("id").where("username", "=", "long-covid")
      .where("local", "=", true).executeTakeFirstOrThrow();
    const admin = await newPage();
    await admin.goto("/login");
    await admin.getByLabel("Username").fill("adele");
    await admin.getByLabel("Password").fill("adele has a long password");
    await admin.getByRole("button", { name: "Log in" }).click();
    await admin.goto(`/g/${group.id}/settings/moderation`);
    await admin.getByLabel("Value").fill("miracle cure");
    await admin.getByRole("button", { name: "Add rule" }).click();
    await shown(admin.getByRole("cell", { name: "miracle cure" }));
    await shoot(admin, "moderation-settings");
    const pages = [`/g/${group.id}/held`, `/g/${group.id}/settings/moderation`, "/admin/crisis", "/help/crisis",
      `/g/${group.id}/settings`, `/g/${group.id}/requests`, "/admin/access-log", `/g/${group.id}/access-log`];
    const problems: string[] = [];
    for (const path of pages) problems.push(...await axeScan(path, admin.context()));
    expect(problems).toEqual([]);
  });

  it("lets a member report a post, and its moderator see the queue, log and dashboard, without axe violations", async () => {
    const db = instance.kindred.database.db;
    const group = await db.selectFrom("actors").select("id").where("uri", "=", new URL("/@long-covid", instance.url).href)
      .executeTakeFirstOrThrow();
    const anaActor = await db.selectFrom("actors").select("id").where("username", "=", "ana").where("local", "=", true)
      .executeTakeFirstOrThrow();
    await addGroupStaff(db, group.id, anaActor.id, "moderator");
    await ben.goto(threadUrl);
    await ben.getByRole("link", { name: "Report" }).first().click();
    const reportPath = new URL(ben.url()).pathname;
    await ben.getByLabel("Spam").check();
    await ben.getByLabel("Anything the moderators should know").fill("Looks like an advert.");
    await ben.getByRole("button", { name: "Send report" }).click();
    await shown(ben.getByText("your report was sent"));
    await ana.goto(`/g/${group.id}/moderation`);
    await shown(ana.getByText("Looks like an advert."));
    await shoot(ana, "moderation-queue");
    const problems: string[] = [];
    problems.push(...await axeScan(reportPath, ben.context()));
    problems.push(...await axeScan(`/g/${group.id}/log`));
    for (const path of [`/g/${group.id}/moderation`, `/g/${group.id}/dashboard`, `/g/${group.id}/log`, "/notifications"]) {
      problems.push(...await axeScan(path, ana.context()));
    }
    expect(problems).toEqual([]);
  });

  it("screenshots the pages a visitor sees first", async () => {
    const page = await newPage();
    for (const [path, name] of [["/signup", "signup"], ["/login", "login"], ["/@long-covid", "group-anonymous"]]) {
      await page.goto(path);
      await shoot(page, name);
    }
    await ana.goto("/settings");
    await shoot(ana, "settings");
  });
});
