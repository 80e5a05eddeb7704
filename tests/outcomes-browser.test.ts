/**
 * Outcome measures in real Chromium with JavaScript off: a manager starts
 * the questionnaire with the form; a member finds it from the group page,
 * consents, answers by choosing labelled radio buttons and sees their trend;
 * axe-core finds no serious or critical violation on the manager's page or
 * on the member's page in each state.  Skipped without Chromium.
 */
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createAccount } from "../src/accounts.ts";
import { createGroup } from "../src/groups.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const screenshots = new URL("./artifacts/screenshots/", import.meta.url).pathname;

let instance: TestInstance;
let browser: Browser;
const contexts: BrowserContext[] = [];
let groupId: number;

async function logIn(username: string): Promise<Page> {
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

/** axe-core needs script: scans run in their own page with JavaScript on (the app serves none). */
async function axeScan(path: string, cookiesFrom: BrowserContext): Promise<string[]> {
  const context = await browser.newContext({ baseURL: instance.url.href, bypassCSP: true });
  contexts.push(context);
  await context.addCookies(await cookiesFrom.cookies());
  const page = await context.newPage();
  await page.goto(path);
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const axe = (globalThis as any).axe;
    return await axe.run(document, { resultTypes: ["violations"] });
  }) as { testEngine: { name: string }; violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] };
  expect(result.testEngine.name).toBe("axe-core");
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${path}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe.skipIf(!hasChromium)(`outcome measures in Chromium${hasChromium ? "" : " (skipped: no Chromium)"}`, () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    instance = await startInstance();
    const db = instance.kindred.database.db;
    for (const username of ["warden", "wren"]) {
      await createAccount(db, instance.url, { username, password: `${username} has a long password` });
    }
    await createGroup(db, instance.url, { slug: "coping", name: "Coping together", owner: "warden" });
    const { rows } = await sql<{ id: number }>`select id from actors where username = 'coping'`.execute(db);
    groupId = rows[0].id;
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, chromiumSandbox: false });
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await instance?.stop();
  });

  it("a manager starts it, a member takes part and sees their trend, and the pages pass axe", async () => {
    const problems: string[] = [];
    const warden = await logIn("warden");
    await warden.goto("/@coping");
    await warden.getByRole("link", { name: "Outcome measures: questionnaire and figures" }).click();
    problems.push(...await axeScan(`/g/${groupId}/outcomes`, warden.context()));
    await warden.getByLabel("How often members are asked").selectOption("14");
    await warden.getByLabel("Offer members a separate, optional consent").check();
    await warden.getByRole("button", { name: "Start the questionnaire" }).click();
    await warden.getByText("The questionnaire has started.").waitFor();

    const wren = await logIn("wren");
    await wren.goto("/@coping");
    await wren.getByRole("button", { name: "Join group" }).click();
    await wren.getByRole("link", { name: "This group's optional questionnaire" }).click();
    problems.push(...await axeScan(`/g/${groupId}/outcomes/me`, wren.context()));
    await wren.getByLabel("I have read the text above and agree to take part").check();
    await wren.getByRole("button", { name: "Take part" }).click();
    await wren.getByText("Thank you. You are taking part.").waitFor();
    problems.push(...await axeScan(`/g/${groupId}/outcomes/me`, wren.context()));

    const answer = async (choice: string) => {
      const items = wren.locator("fieldset.questionnaire-item");
      expect(await items.count()).toBe(10);
      for (let i = 0; i < 10; i++) await items.nth(i).getByLabel(choice).check();
      await wren.getByRole("button", { name: "Send my answers" }).click();
      await wren.getByText("Your answers are saved").waitFor();
    };
    await answer("Moderately true");
    // A fortnight later: the group page says it is due again.
    await sql`update outcome_questionnaires set starts_at = starts_at - interval '14 days'`.execute(instance.kindred.database.db);
    await wren.goto("/@coping");
    await wren.getByRole("link", { name: "Answer it now" }).click();
    await answer("Exactly true");
    const rows = wren.locator("table.data tbody tr");
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).locator("td").last().textContent()).toBe("30");
    expect(await rows.nth(1).locator("td").last().textContent()).toBe("40");
    expect(await wren.locator(".trend-chart svg").getAttribute("role")).toBe("img");
    await wren.screenshot({ path: `${screenshots}outcomes-member.png`, fullPage: true });
    problems.push(...await axeScan(`/g/${groupId}/outcomes/me`, wren.context()));

    // The manager's page: one ended period with one answer, suppressed.
    await warden.goto(`/g/${groupId}/outcomes`);
    await warden.getByText("fewer than 10 answers: not shown").waitFor();
    await warden.screenshot({ path: `${screenshots}outcomes-manager.png`, fullPage: true });
    problems.push(...await axeScan(`/g/${groupId}/outcomes`, warden.context()));
    expect(problems).toEqual([]);
  });
});
