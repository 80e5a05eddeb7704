/**
 * Members manage and confirm their email address (issue 9, item 3), on a
 * real instance with a test SMTP server (tests/helpers/smtp-server.ts) and
 * one without SMTP: adding an address emails a link to it; opening the link
 * (GET) changes nothing, its button (POST, no session needed) confirms; only
 * then does the email job send notifications there.  A change keeps the old
 * address until the new one is confirmed; a wrong password or a bad address
 * saves nothing; expired and unknown links say so; removing turns email
 * off; the export shows the confirmation; deleting the account removes a
 * pending confirmation.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { logIn } from "../src/auth.ts";
import { runCommand } from "../src/cli/commands.ts";
import { api, apiOk, createLocalGroup, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { parseMail, startSmtpServer, type TestSmtpServer } from "./helpers/smtp-server.ts";
import { text, WebClient } from "./helpers/web.ts";

const GROUP = "Lupus support";
let smtp: TestSmtpServer;
let a: TestInstance, n: TestInstance;
let owner: Member;
let groupId: number;

const password = (username: string) => `${username} has a long password`;
const db = (instance: TestInstance = a) => instance.kindred.database.db;

/** A member made directly (no link is sent), with an API token. */
async function member(instance: TestInstance, username: string, email?: string): Promise<Member> {
  await createAccount(db(instance), instance.url, { username, password: password(username), email, displayName: username });
  const token = (await logIn(db(instance), username, password(username)))!;
  return { instance, username, token, uri: new URL(`/@${username}`, instance.url).href };
}

async function loggedIn(instance: TestInstance, username: string): Promise<WebClient> {
  const web = new WebClient(instance);
  const page = await web.submit("/login", "/login", { username, password: password(username) });
  expect(page.status).toBe(200);
  return web;
}

async function account(username: string, instance: TestInstance = a) {
  return await db(instance).selectFrom("accounts").selectAll().where("username", "=", username).executeTakeFirstOrThrow();
}

async function pendingRows(username: string, instance: TestInstance = a) {
  const { id } = await account(username, instance);
  return await db(instance).selectFrom("email_confirmations").selectAll().where("account_id", "=", id).execute();
}

/** The messages to `address` received from index `from` on. */
function mailTo(address: string, from = 0) {
  return smtp.received.slice(from).filter((r) => r.to.includes(address));
}

/** Waits for the next confirmation email to `address` after index `from`; its link. */
async function linkSentTo(address: string, from: number): Promise<{ link: URL; mail: ReturnType<typeof parseMail> }> {
  const deadline = Date.now() + 10_000;
  while (mailTo(address, from).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const got = mailTo(address, from);
  expect(got, `a confirmation email to ${address}`).toHaveLength(1);
  const mail = parseMail(got[0].raw);
  const href = /(http:\/\/\S+\/settings\/email\/confirm\?token=[\w-]+)/.exec(mail.text)?.[1];
  expect(href, mail.text).toBeDefined();
  return { link: new URL(href!), mail };
}

/** Runs the email job as if at `now` (immediate emails wait a minute). */
async function runJob(now = new Date(Date.now() + 3 * 60_000)) {
  const out: string[] = [], err: string[] = [];
  const code = await runCommand(["digests", "send", "--now", now.toISOString()], {
    db: db(),
    origin: a.url,
    fedify: () => a.kindred.federation.createContext(a.url, a.kindred.contextData),
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    mail: a.kindred.config.mail,
    instanceName: a.kindred.config.instanceName,
  });
  expect(code, err.join("\n")).toBe(0);
}

/** A thread by `who`, and a reply to it by the owner: one notification for `who`. */
async function notify(who: Member) {
  const thread = (await apiOk(who, "POST", `/groups/${groupId}/threads`, { title: "Flares", body: "My joints ache." })).post.id;
  await apiOk(owner, "POST", `/posts/${thread}/replies`, { body: "Same here, hydroxychloroquine helps me." });
}

async function join(who: Member) {
  await apiOk(who, "POST", "/groups/follow", { handle: "lupus" });
  await apiOk(who, "PATCH", "/me/email-settings", { frequency: "immediate" });
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  [a, n] = await Promise.all([
    startInstance({ SMTP_URL: smtp.url, SMTP_FROM: "Test Kindred <noreply@kindred.test>", DIGEST_INTERVAL_SECONDS: "0" }),
    startInstance(),
  ]);
  owner = await createMember(a, "owner");
  await createLocalGroup(a, { slug: "lupus", name: GROUP, owner: "owner" });
  groupId = (await apiOk(owner, "POST", "/groups/follow", { handle: "lupus" })).group.id;
}, 120_000);
afterAll(async () => {
  await Promise.all([a, n].filter(Boolean).map((i) => i.stop()));
  await smtp?.close();
});

describe("adding an address", () => {
  it("emails a link; opening it changes nothing, its button confirms; then notifications are emailed there", async () => {
    const alex = await member(a, "alex");
    const web = await loggedIn(a, "alex");
    let page = await web.get("/settings/email");
    expect(text(page.html)).toContain("Your account has no email address.");
    const before = smtp.received.length;
    page = await web.submit("/settings/email", "/settings/email/address", { email: "alex@example.test", password: password("alex") });
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain("We emailed a link to the new address.");
    expect(text(page.html)).toContain("We emailed a link to alex@example.test");
    const { link, mail } = await linkSentTo("alex@example.test", before);
    // The email names the instance and the link, nothing else.
    expect(mail.subject).toBe("Confirm your email address for Test Kindred");
    for (const part of [mail.subject, mail.text, mail.html]) {
      for (const secret of ["alex", "Lupus", "lupus", "joints", "hydroxychloroquine", "owner"]) expect(part).not.toContain(secret);
    }
    expect(mail.headers.has("list-unsubscribe")).toBe(false);
    // Not yet the account's address.
    expect((await account("alex")).email).toBeNull();
    expect(await apiOk(alex, "GET", "/me/email-address")).toMatchObject({
      email: null,
      confirmed: false,
      pending: { email: "alex@example.test", expired: false },
      emailEnabled: true,
    });

    // A mail scanner (no session) opens the link: a button, nothing changed.
    const scanner = new WebClient(a);
    const shown = await scanner.get(link.pathname + link.search);
    expect(shown.status).toBe(200);
    expect(shown.html).toContain("Confirm my address");
    expect((await account("alex")).email).toBeNull();
    expect(await pendingRows("alex")).toHaveLength(1);

    // The button, from another device without a session nor CSRF token: confirmed.
    const other = new WebClient(a);
    const token = link.searchParams.get("token")!;
    const confirmed = await other.request("POST", "/settings/email/confirm", { body: new URLSearchParams({ token }) });
    expect(confirmed.status).toBe(200);
    expect(text(confirmed.html)).toContain("Your email address is confirmed.");
    const after = await account("alex");
    expect(after.email).toBe("alex@example.test");
    expect(after.email_verified_at).not.toBeNull();
    expect(await pendingRows("alex")).toEqual([]);
    // Used up.
    const again = await other.request("POST", "/settings/email/confirm", { body: new URLSearchParams({ token }) });
    expect(again.status).toBe(404);
    expect(text(again.html)).toContain("This link is not valid");

    page = await web.get("/settings/email");
    expect(text(page.html)).toContain("Your address is alex@example.test : confirmed on");
    expect(text(page.html)).not.toContain("not confirmed yet");

    // Now the daily digest goes to it (DIGEST_HOUR is 08:00 UTC by default: the job runs as if at the next one).
    await join(alex);
    await apiOk(alex, "PATCH", "/me/email-settings", { frequency: "daily" });
    await notify(alex);
    const sent = smtp.received.length;
    const tomorrow = new Date(Date.now() + 86_400_000);
    await runJob(new Date(Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth(), tomorrow.getUTCDate(), 8, 30)));
    const digests = mailTo("alex@example.test", sent);
    expect(digests).toHaveLength(1);
    expect(parseMail(digests[0].raw).subject).toContain("daily summary");
  });

  it("at sign-up, sends the link; until it is used the job sends nothing there, and the page says so", async () => {
    const web = new WebClient(a);
    const before = smtp.received.length;
    const signed = await web.signUp("blake", "blake", { email: "blake@example.test" });
    expect(signed.status).toBe(200);
    const first = await linkSentTo("blake@example.test", before);
    expect((await account("blake")).email).toBe("blake@example.test");
    expect((await account("blake")).email_verified_at).toBeNull();
    const blake = { instance: a, username: "blake", token: (await logIn(db(), "blake", password("blake")))!, uri: "" };
    await join(blake);
    await notify(blake);
    const sent = smtp.received.length;
    await runJob();
    expect(mailTo("blake@example.test", sent)).toEqual([]);
    const page = await web.get("/settings/email");
    expect(text(page.html)).toContain("Your address is blake@example.test : not confirmed yet");
    expect(text(page.html)).toContain("No notification is emailed to you until you confirm it");
    expect(await apiOk(blake, "GET", "/me/email-settings")).toMatchObject({ hasEmailAddress: true, emailAddressConfirmed: false });

    // Sending the link again: a new link, the old one stops working; not twice in a minute.
    const resent = await web.submit("/settings/email", "/settings/email/address/resend", {});
    expect(resent.status).toBe(200);
    expect(text(resent.html)).toContain("We emailed a new link");
    const second = await linkSentTo("blake@example.test", sent);
    expect(second.link.href).not.toBe(first.link.href);
    const old = await new WebClient(a).get(first.link.pathname + first.link.search);
    expect(old.status).toBe(404);
    const count = smtp.received.length;
    const tooSoon = await web.submit("/settings/email", "/settings/email/address/resend", {});
    expect(tooSoon.status).toBe(429);
    expect(text(tooSoon.html)).toContain("too many requests");
    expect((await api(blake, "POST", "/me/email-address/resend")).status).toBe(429);
    expect(smtp.received.length).toBe(count);

    // The second link confirms; the notification waiting is then emailed.
    const token = second.link.searchParams.get("token")!;
    await new WebClient(a).request("POST", "/settings/email/confirm", { body: new URLSearchParams({ token }) });
    expect((await account("blake")).email_verified_at).not.toBeNull();
    const now = smtp.received.length;
    await runJob();
    expect(mailTo("blake@example.test", now)).toHaveLength(1);
  });
});

describe("changing an address", () => {
  it("keeps the old address, confirmed, until the new one is confirmed", async () => {
    const casey = await member(a, "casey", "casey@example.test");
    await join(casey);
    // Confirm the first address by its link, as a member would.
    let from = smtp.received.length;
    await apiOk(casey, "POST", "/me/email-address/resend");
    let { link } = await linkSentTo("casey@example.test", from);
    await new WebClient(a).request("POST", "/settings/email/confirm", { body: new URLSearchParams({ token: link.searchParams.get("token")! }) });

    from = smtp.received.length;
    const changed = await apiOk(casey, "PUT", "/me/email-address", { email: "casey.new@example.test", password: password("casey") });
    expect(changed).toMatchObject({ outcome: "sent", email: "casey@example.test", confirmed: true, pending: { email: "casey.new@example.test" } });
    ({ link } = await linkSentTo("casey.new@example.test", from));
    // Meanwhile notifications still go to the old, confirmed address.
    await notify(casey);
    const sent = smtp.received.length;
    await runJob();
    expect(mailTo("casey@example.test", sent)).toHaveLength(1);
    expect(mailTo("casey.new@example.test", sent)).toEqual([]);

    const web = await loggedIn(a, "casey");
    const page = await web.get("/settings/email");
    expect(text(page.html)).toContain("We emailed a link to casey.new@example.test");
    expect(text(page.html)).toContain("Until then, emails keep going to your current address");

    await new WebClient(a).request("POST", "/settings/email/confirm", { body: new URLSearchParams({ token: link.searchParams.get("token")! }) });
    expect(await apiOk(casey, "GET", "/me/email-address")).toMatchObject({ email: "casey.new@example.test", confirmed: true, pending: null });
  });

  it("refuses a wrong password or a bad address, shows the form again, and saves nothing", async () => {
    const dana = await member(a, "dana", "dana@example.test");
    const web = await loggedIn(a, "dana");
    const before = smtp.received.length;
    let page = await web.submit("/settings/email", "/settings/email/address", { email: "dana.new@example.test", password: "not my password" });
    expect(page.status).toBe(422);
    expect(text(page.html)).toContain("The password is not right.");
    expect(page.html).toContain('value="dana.new@example.test"');
    page = await web.submit("/settings/email", "/settings/email/address", { email: "dana at example", password: password("dana") });
    expect(page.status).toBe(422);
    expect(text(page.html)).toContain("&quot;dana at example&quot; is not an email address such as name@example.org.");
    page = await web.submit("/settings/email", "/settings/email/address/remove", { password: "not my password" });
    expect(page.status).toBe(422);
    expect(text(page.html)).toContain("The password is not right.");
    const bad = await api(dana, "PUT", "/me/email-address", { email: "nobody@", password: password("dana") });
    expect(bad.status).toBe(422);
    expect(bad.json.field).toBe("email");
    expect((await api(dana, "PUT", "/me/email-address", { email: "x@example.test" })).status).toBe(422);
    expect((await api(dana, "DELETE", "/me/email-address", { password: "wrong" })).status).toBe(422);
    expect(await pendingRows("dana")).toEqual([]);
    expect((await account("dana")).email).toBe("dana@example.test");
    // Sign-up checks the address the same way.
    const signup = await new WebClient(a).signUp("dale", "dale", { email: "dale@localhost" });
    expect(signup.status).toBe(422);
    expect(text(signup.html)).toContain("&quot;dale@localhost&quot; is not an email address");
    expect(await db().selectFrom("accounts").select("id").where("username", "=", "dale").execute()).toEqual([]);
    expect(smtp.received.length).toBe(before);
  });
});

describe("links", () => {
  it("say clearly when they have expired or are unknown, and change nothing", async () => {
    const erin = await member(a, "erin");
    const from = smtp.received.length;
    await apiOk(erin, "PUT", "/me/email-address", { email: "erin@example.test", password: password("erin") });
    const { link } = await linkSentTo("erin@example.test", from);
    // As if 24 hours had passed.
    const { id } = await account("erin");
    await db().updateTable("email_confirmations").set({ expires_at: new Date(Date.now() - 1000) }).where("account_id", "=", id).execute();
    const visitor = new WebClient(a);
    const shown = await visitor.get(link.pathname + link.search);
    expect(shown.status).toBe(410);
    expect(text(shown.html)).toContain("This link has expired");
    expect(shown.html).not.toContain("Confirm my address");
    const posted = await visitor.request("POST", "/settings/email/confirm", { body: new URLSearchParams({ token: link.searchParams.get("token")! }) });
    expect(posted.status).toBe(410);
    expect((await account("erin")).email).toBeNull();
    expect(await apiOk(erin, "GET", "/me/email-address")).toMatchObject({ pending: { email: "erin@example.test", expired: true } });

    // A week after it expired, the next link sent (anyone's) deletes it: it holds an address nobody confirmed.
    await db().updateTable("email_confirmations").set({ expires_at: new Date(Date.now() - 8 * 86_400_000) })
      .where("account_id", "=", id).execute();
    const jo = await member(a, "jo");
    await apiOk(jo, "PUT", "/me/email-address", { email: "jo@example.test", password: password("jo") });
    expect(await pendingRows("erin")).toEqual([]);
    expect(await pendingRows("jo")).toHaveLength(1);

    for (const token of ["A".repeat(43), "short", ""]) {
      const unknown = await visitor.get(`/settings/email/confirm?token=${token}`);
      expect(unknown.status).toBe(404);
      expect(text(unknown.html)).toContain("This link is not valid");
    }
  });
});

describe("limits", () => {
  it("send at most three links a day to one address, whichever accounts ask", async () => {
    const target = "victim@example.test";
    const before = smtp.received.length;
    const askers = await Promise.all(["mb1", "mb2", "mb3", "mb4"].map((u) => member(a, u)));
    const statuses = [];
    for (const m of askers) {
      statuses.push((await api(m, "PUT", "/me/email-address", { email: target, password: password(m.username) })).status);
    }
    expect(statuses.slice(0, 3).every((s) => s < 300)).toBe(true);
    expect(statuses[3]).toBe(429);
    await new Promise((r) => setTimeout(r, 300));
    expect(mailTo(target, before)).toHaveLength(3);
    expect(await pendingRows("mb4")).toEqual([]);
  });

  it("count wrong passwords on these forms, not right ones", async () => {
    const guesser = await member(a, "guesser");
    for (let i = 0; i < 3; i++) {
      // Right passwords (no SMTP limit met: the same address is kept) never add up.
      expect((await api(guesser, "PUT", "/me/email-address", { email: "guesser@example.test", password: password("guesser") })).status)
        .toBeLessThan(300);
      await db().deleteFrom("email_confirmations").execute();
    }
    const wrong = [];
    for (let i = 0; i < 11; i++) wrong.push((await api(guesser, "DELETE", "/me/email-address", { password: `guess ${i}` })).status);
    expect(wrong.slice(0, 10).every((s) => s === 422)).toBe(true);
    expect(wrong[10]).toBe(429);
    // Even the right password now waits.
    expect((await api(guesser, "DELETE", "/me/email-address", { password: password("guesser") })).status).toBe(429);
  });
});

describe("removing an address", () => {
  it("needs the password, removes it with any pending change, and turns email off", async () => {
    const fran = await member(a, "fran", "fran@example.test");
    await join(fran);
    await db().updateTable("accounts").set({ email_verified_at: new Date() }).where("username", "=", "fran").execute();
    const from = smtp.received.length;
    await apiOk(fran, "PUT", "/me/email-address", { email: "fran2@example.test", password: password("fran") });
    await linkSentTo("fran2@example.test", from);
    const web = await loggedIn(a, "fran");
    const page = await web.submit("/settings/email", "/settings/email/address/remove", { password: password("fran") });
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain("Your email address was removed and notification emails are off.");
    expect(page.html).toContain('id="frequency-off" name="frequency" value="off" checked=""');
    const row = await account("fran");
    expect(row.email).toBeNull();
    expect(row.email_verified_at).toBeNull();
    expect(await pendingRows("fran")).toEqual([]);
    expect((await apiOk(fran, "GET", "/me/email-settings")).emailSettings.frequency).toBe("off");
    expect((await api(fran, "DELETE", "/me/email-address", { password: password("fran") })).status).toBe(422);
  });
});

describe("without SMTP", () => {
  it("saves the address unconfirmed and says that nothing can be sent", async () => {
    const gale = await member(n, "gale");
    const web = await loggedIn(n, "gale");
    let page = await web.get("/settings/email");
    expect(text(page.html)).toContain("This server does not send email at the moment: the address is saved unconfirmed");
    page = await web.submit("/settings/email", "/settings/email/address", { email: "gale@example.test", password: password("gale") });
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain("Your address was saved, but not confirmed: this server does not send email");
    expect(text(page.html)).toContain("Your address is gale@example.test : not confirmed yet");
    expect(page.html).not.toContain('action="/settings/email/address/resend"');
    const row = await account("gale", n);
    expect(row.email).toBe("gale@example.test");
    expect(row.email_verified_at).toBeNull();
    expect(await pendingRows("gale", n)).toEqual([]);
    const resend = await api(gale, "POST", "/me/email-address/resend");
    expect(resend.status).toBe(422);
    expect(resend.json.error).toContain("does not send email");
  });
});

describe("data rights", () => {
  it("the export says whether the address is confirmed, and which one waits", async () => {
    const hana = await member(a, "hana", "hana@example.test");
    const from = smtp.received.length;
    await apiOk(hana, "PUT", "/me/email-address", { email: "hana2@example.test", password: password("hana") });
    await linkSentTo("hana2@example.test", from);
    const file = await (await fetch(new URL("/api/v1/me/export", a.url), { headers: { Authorization: `Bearer ${hana.token}` } })).json();
    expect(file.data.account).toMatchObject({ email: "hana@example.test", email_verified_at: null });
    expect(file.data.pendingEmail).toMatchObject({ email: "hana2@example.test" });
    expect(JSON.stringify(file)).not.toContain("token_hash");
    const alex = await (await fetch(new URL("/api/v1/me/export", a.url), {
      headers: { Authorization: `Bearer ${(await logIn(db(), "alex", password("alex")))!}` },
    })).json();
    expect(alex.data.account.email_verified_at).not.toBeNull();
    expect(alex.data.pendingEmail).toBeNull();
  });

  it("deleting the account removes its pending confirmation", async () => {
    const ivy = await member(a, "ivy");
    const from = smtp.received.length;
    await apiOk(ivy, "PUT", "/me/email-address", { email: "ivy@example.test", password: password("ivy") });
    const { link } = await linkSentTo("ivy@example.test", from);
    expect(await pendingRows("ivy")).toHaveLength(1);
    await apiOk(ivy, "DELETE", "/me", { password: password("ivy") });
    expect(await pendingRows("ivy")).toEqual([]);
    const gone = await new WebClient(a).get(link.pathname + link.search);
    expect(gone.status).toBe(404);
  });
});

const CHROMIUM = "/usr/bin/chromium";

describe.runIf(existsSync(CHROMIUM))("in a browser without JavaScript", () => {
  it("adds an address with the labelled form, confirms it with the button, with no serious axe-core violation", async () => {
    await member(a, "kim");
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, chromiumSandbox: false });
    try {
      const context = await browser.newContext({ baseURL: a.url.href, javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto("/login");
      await page.getByLabel("Username").fill("kim");
      await page.getByLabel("Password").fill(password("kim"));
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL((url) => !url.pathname.startsWith("/login"));
      await page.goto("/settings/email");
      // A wrong password first: the form comes back with the message and the address typed.
      await page.getByLabel("New email address").fill("kim@example.test");
      await page.getByLabel("Your password").first().fill("not my password");
      await page.getByRole("button", { name: "Add address" }).click();
      await page.getByText("The password is not right.").waitFor();
      expect(await page.getByLabel("New email address").inputValue()).toBe("kim@example.test");
      const from = smtp.received.length;
      await page.getByLabel("Your password").first().fill(password("kim"));
      await page.getByRole("button", { name: "Add address" }).click();
      await page.getByText("We emailed a link to the new address.").waitFor();
      const { link } = await linkSentTo("kim@example.test", from);

      // axe-core needs script: scanned in pages of their own with JavaScript on (the app serves none).
      const problems: string[] = [];
      for (const path of ["/settings/email", link.pathname + link.search]) {
        const scan = await browser.newContext({ baseURL: a.url.href, bypassCSP: true });
        await scan.addCookies(await context.cookies());
        const p = await scan.newPage();
        await p.goto(path);
        await p.addScriptTag({ path: createRequire(import.meta.url).resolve("axe-core/axe.min.js") });
        // deno-lint-ignore no-explicit-any
        const result = await p.evaluate(() => (globalThis as any).axe.run(document, { resultTypes: ["violations"] })) as {
          violations: { id: string; impact: string }[];
        };
        problems.push(...result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${path}: ${v.id}`));
        await scan.close();
      }
      expect(problems).toEqual([]);
      // The link opened in a browser with no session: the button confirms.
      const other = await (await browser.newContext({ baseURL: a.url.href, javaScriptEnabled: false })).newPage();
      await other.goto(link.pathname + link.search);
      expect((await account("kim")).email).toBeNull();
      await other.getByRole("button", { name: "Confirm my address" }).click();
      await other.getByText("Your email address is confirmed.").waitFor();
      expect((await account("kim")).email_verified_at).not.toBeNull();
    } finally {
      await browser.close();
    }
  }, 60_000);
});
