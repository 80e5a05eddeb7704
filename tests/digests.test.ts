/**
 * Notifications by email (issue 9, item 3), against a real SMTP server
 * started here (tests/helpers/smtp-server.ts): members choose immediate,
 * daily or weekly emails on the web or in the API; real replies (one from
 * another instance) in "Breast cancer support" produce notifications; the
 * job, run with `kindred digests send --now`, emails them.  Without the
 * opt-in, no subject, preview or body names the group, the thread, the
 * post, a condition or another member; with it, they may.  Read-in-app
 * notifications are not emailed, nothing is emailed twice, a refused
 * message is retried, and the unsubscribe link works without logging in.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLAIM_LEASE_SECONDS, claimRecipient, recordFailure, recordSent, releaseClaim, renewClaim } from "../db/email-settings.ts";
import { createAccount } from "../src/accounts.ts";
import { logIn } from "../src/auth.ts";
import { runCommand } from "../src/cli/commands.ts";
import { SEND_DEADLINE_MS } from "../src/mail/smtp-client.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { parseMail, type ReceivedMail, startSmtpServer, type TestSmtpServer } from "./helpers/smtp-server.ts";
import { text, WebClient } from "./helpers/web.ts";

const GROUP = "Breast cancer support";
const TITLE = "My chemo side effects";
const REPLY = "I had nausea with tamoxifen and docetaxel too; ginger helped me.";
/** Nothing of these may appear in a subject, preview or body without the opt-in. */
const SECRETS = [
  "Breast", "cancer", "breast-cancer", "chemo", "side effects", "nausea", "tamoxifen", "docetaxel", "ginger",
  "replier", "faraway",
];

let smtp: TestSmtpServer;
let a: TestInstance, b: TestInstance;
let replier: Member, remote: Member;
const m = {} as Record<"imm" | "detail" | "daily" | "weekly" | "noaddr", Member & { email?: string }>;
const threads = {} as Record<"imm" | "detail" | "daily" | "weekly", number>;
let groupId: number;
/** A digest time 11 to 12 hours from now (DIGEST_HOUR is set from the clock, so no run crosses it by accident). */
let digestAt: Date;
const start = new Date();

async function member(instance: TestInstance, username: string, email?: string): Promise<Member & { email?: string }> {
  const password = `${username} has a long password`;
  const account = await createAccount(instance.kindred.database.db, instance.url, { username, password, email, displayName: username });
  // The email job sends only to confirmed addresses.  Confirmed here in the database, as if the member had
  // used their confirmation link (tests/email-address.test.ts goes through the link itself).
  if (email) {
    await instance.kindred.database.db.updateTable("accounts").set({ email_verified_at: new Date() })
      .where("id", "=", account.id).execute();
  }
  const token = (await logIn(instance.kindred.database.db, username, password))!;
  return { instance, username, token, uri: new URL(`/@${username}`, instance.url).href, email };
}

async function send(instance: TestInstance, now?: Date): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [], err: string[] = [];
  const code = await runCommand(["digests", "send", ...(now ? ["--now", now.toISOString()] : [])], {
    db: instance.kindred.database.db,
    origin: instance.url,
    fedify: () => instance.kindred.federation.createContext(instance.url, instance.kindred.contextData),
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    mail: instance.kindred.config.mail,
    instanceName: instance.kindred.config.instanceName,
  });
  return { code, out, err };
}

const minutes = (n: number) => new Date(Date.now() + n * 60_000);

/** The messages received since `before`, for `email`. */
function mailTo(email: string, from = 0): ReceivedMail[] {
  return smtp.received.slice(from).filter((r) => r.to.includes(email));
}

function expectNoSecrets(where: string, value: string) {
  for (const secret of SECRETS) expect(value.toLowerCase(), `${where} names "${secret}"`).not.toContain(secret.toLowerCase());
}

async function reply(to: number, body = REPLY, who: Member = replier) {
  await apiOk(who, "POST", `/posts/${to}/replies`, { body });
}

beforeAll(async () => {
  smtp = await startSmtpServer({ user: "mailer", password: "a secret pass" });
  const hour = (start.getUTCHours() + 12) % 24;
  digestAt = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate(), hour));
  while (digestAt <= start) digestAt = new Date(digestAt.getTime() + 86_400_000);
  [a, b] = await Promise.all([
    startInstance({
      SMTP_URL: smtp.url,
      SMTP_FROM: "Test Kindred <noreply@kindred.test>",
      DIGEST_INTERVAL_SECONDS: "0",
      DIGEST_HOUR: String(hour),
      // Weekly digests go out two days after the daily one the tests wait for.
      DIGEST_WEEKDAY: String((digestAt.getUTCDay() + 2) % 7),
    }),
    startInstance(),
  ]);
  [m.imm, m.detail, m.daily, m.weekly, m.noaddr, replier, remote] = await Promise.all([
    member(a, "immy", "immy@example.test"),
    member(a, "detailed", "detailed@example.test"),
    member(a, "dailyreader", "dailyreader@example.test"),
    member(a, "weeklyreader", "weeklyreader@example.test"),
    member(a, "noaddress"),
    member(a, "replier"),
    createMember(b, "faraway"),
  ]);
  await createLocalGroup(a, { slug: "breast-cancer", name: GROUP, owner: "replier" });
  for (const who of [m.imm, m.detail, m.daily, m.weekly, replier]) {
    groupId = (await apiOk(who, "POST", "/groups/follow", { handle: "breast-cancer" })).group.id;
  }
  await apiOk(remote, "POST", "/groups/follow", { handle: new URL("/@breast-cancer", a.url).href });
  await waitForQueues([a, b]);
  for (const key of ["imm", "detail", "daily", "weekly"] as const) {
    threads[key] = (await apiOk(m[key], "POST", `/groups/${groupId}/threads`, {
      title: TITLE,
      body: "Since my second cycle of chemo I feel sick all day.",
    })).post.id;
  }
  await waitForQueues([a, b]);
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
  await smtp?.close();
});

describe("choosing email", () => {
  it("is off by default, and the settings page explains it", async () => {
    const settings = await apiOk(m.imm, "GET", "/me/email-settings");
    expect(settings).toEqual({
      emailSettings: { frequency: "off", replies: true, membership: true, moderation: true, staff: true, showDetails: false },
      hasEmailAddress: true,
      emailAddressConfirmed: true,
      emailEnabled: true,
    });
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "immy", password: "immy has a long password" });
    expect((await web.get("/settings")).html).toContain('href="/settings/email"');
    const page = await web.get("/settings/email");
    expect(page.status).toBe(200);
    expect(page.html).toContain('<input type="radio" id="frequency-off" name="frequency" value="off" checked=""');
    expect(page.html).toContain('<label for="show_details">');
    expect(page.html).not.toContain("does not send email");
    const hour = String(digestAt.getUTCHours()).padStart(2, "0");
    expect(text(page.html)).toContain(`Daily digests go out at ${hour}:00 UTC; weekly ones on`);
  });

  it("is refused to a member without an email address, on the web and in the API, and nothing is saved", async () => {
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "noaddress", password: "noaddress has a long password" });
    const page = await web.get("/settings/email");
    expect(text(page.html)).toContain("Your account has no email address");
    expect(page.html).toContain('id="frequency-daily" name="frequency" value="daily" disabled=""');
    const refused = await web.post("/settings/email", { frequency: "daily", email_replies: "yes" }, page.html);
    expect(refused.status).toBe(422);
    expect(text(refused.html)).toContain("no email can be sent to you");
    const viaApi = await api(m.noaddr, "PATCH", "/me/email-settings", { frequency: "immediate" });
    expect(viaApi.status).toBe(422);
    expect(viaApi.json.field).toBe("frequency");
    const row = await a.kindred.database.db.selectFrom("email_settings").selectAll()
      .innerJoin("accounts", "accounts.id", "email_settings.account_id").where("accounts.username", "=", "noaddress")
      .executeTakeFirst();
    expect(row).toBeUndefined();
    expect((await apiOk(m.noaddr, "GET", "/me/email-settings")).emailSettings.frequency).toBe("off");
  });

  it("refuses bad input with a clear message, the input kept, and nothing saved", async () => {
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "immy", password: "immy has a long password" });
    const page = await web.get("/settings/email");
    const noKind = await web.post("/settings/email", { frequency: "immediate", show_details: "yes" }, page.html);
    expect(noKind.status).toBe(422);
    expect(text(noKind.html)).toContain("Choose at least one kind of notification");
    // The choices as sent are shown again.
    expect(noKind.html).toContain('id="frequency-immediate" name="frequency" value="immediate" checked=""');
    expect(noKind.html).toContain('id="show_details" name="show_details" value="yes" checked=""');
    const unknown = await web.post("/settings/email", { frequency: "hourly", email_replies: "yes" }, page.html);
    expect(unknown.status).toBe(422);
    expect(text(unknown.html)).toContain("Choose how often to be emailed.");
    for (const bad of [{ frequency: "hourly" }, { showDetails: "yes" }, { replies: 1 }, { colour: "blue" }]) {
      const res = await api(m.imm, "PATCH", "/me/email-settings", bad);
      expect(res.status, JSON.stringify(bad)).toBe(422);
      expect(res.json.error).toBeTruthy();
    }
    expect((await apiOk(m.imm, "GET", "/me/email-settings")).emailSettings).toMatchObject({ frequency: "off", showDetails: false });
  });

  it("is saved from the web form and the API", async () => {
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "immy", password: "immy has a long password" });
    const saved = await web.submit("/settings/email", "/settings/email", {
      frequency: "immediate",
      email_replies: "yes",
      email_membership: "yes",
    });
    expect(saved.status).toBe(200);
    expect(saved.url.pathname).toBe("/settings/email");
    expect(text(saved.html)).toContain("Your email choices were saved.");
    expect((await apiOk(m.imm, "GET", "/me/email-settings")).emailSettings).toEqual({
      frequency: "immediate", replies: true, membership: true, moderation: false, staff: false, showDetails: false,
    });
    await apiOk(m.detail, "PATCH", "/me/email-settings", { frequency: "immediate", showDetails: true });
    await apiOk(m.daily, "PATCH", "/me/email-settings", { frequency: "daily" });
    const weekly = await apiOk(m.weekly, "PATCH", "/me/email-settings", { frequency: "weekly", staff: false });
    expect(weekly.emailSettings).toMatchObject({ frequency: "weekly", staff: false, replies: true });
  });
});

describe("data rights", () => {
  it("the export holds the email choices (not the unsubscribe token)", async () => {
    const res = await fetch(new URL("/api/v1/me/export", a.url), { headers: { Authorization: `Bearer ${m.weekly.token}` } });
    const file = await res.json();
    expect(file.data.emailSettings).toMatchObject({ frequency: "weekly", email_staff: false, show_details: false });
    expect(JSON.stringify(file)).not.toContain("unsubscribe");
  });
});

describe("sending", () => {
  let immMail: ReceivedMail;

  it("emails immediate members once their new notifications are a minute old, not before", async () => {
    await reply(threads.imm);
    await reply(threads.detail);
    await reply(threads.daily);
    await reply(threads.weekly);
    await waitForQueues([a, b]);
    const before = smtp.received.length;
    const tooSoon = await send(a, new Date());
    expect(tooSoon.code).toBe(0);
    expect(smtp.received.length).toBe(before);
    const run = await send(a, minutes(5));
    expect(run.out.join("\n")).toContain("Sent 2 email(s); 0 failed");
    await smtp.waitFor(before + 2);
    expect(smtp.received.length).toBe(before + 2);
    [immMail] = mailTo("immy@example.test");
    expect(immMail.from).toBe("noreply@kindred.test");
    expect(immMail.user).toBe("mailer");
    expect(mailTo("detailed@example.test")).toHaveLength(1);
    expect(mailTo("dailyreader@example.test")).toHaveLength(0);
    expect(mailTo("weeklyreader@example.test")).toHaveLength(0);
  });

  it("names no group, thread, post, condition or member in the subject, the preview or the body without the opt-in", () => {
    const mail = parseMail(immMail.raw);
    expect(mail.subject).toBe("1 new notification on Test Kindred");
    expectNoSecrets("subject", mail.subject);
    const preview = mail.text.split(/\r?\n/)[0];
    expect(preview).toBe("1 reply to you. Log in to read them.");
    expectNoSecrets("text", mail.text);
    expectNoSecrets("html", mail.html);
    expect(mail.html).toContain(`href="${new URL("/notifications", a.url).href}"`);
    expect(mail.headers.get("from")).toBe('"Test Kindred" <noreply@kindred.test>');
    expect(mail.headers.get("to")).toBe("immy@example.test");
    expect(mail.headers.get("mime-version")).toBe("1.0");
    expect(mail.headers.get("message-id")).toMatch(/^<[0-9a-f]{32}@127\.0\.0\.1>$/);
    expect(Date.parse(mail.headers.get("date")!)).toBeGreaterThan(start.getTime() - 60_000);
    expect(mail.headers.get("list-unsubscribe")).toMatch(new RegExp(`^<${a.url.origin}/email/unsubscribe/[\\w-]{43}>$`));
    expect(mail.headers.get("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
  });

  it("names the group, the thread and an excerpt for a member who opted in", () => {
    const mail = parseMail(mailTo("detailed@example.test")[0].raw);
    expect(mail.subject).toBe(`1 new notification in ${GROUP}`);
    expect(mail.text.split(/\r?\n/)[0]).toBe(`replier replied to you in “${TITLE}” (${GROUP})`);
    expect(mail.text).toContain(REPLY);
    expect(mail.html).toContain(`${TITLE}`);
    expect(mail.html).toContain("ginger helped me.");
  });

  it("never emails a notification twice", async () => {
    const before = smtp.received.length;
    const again = await send(a, minutes(6));
    expect(again.out.join("\n")).toContain("Sent 0 email(s)");
    expect(smtp.received.length).toBe(before);
  });

  it("does not email what the member already read in the app", async () => {
    await reply(threads.imm, "Another thought about chemo.");
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "immy", password: "immy has a long password" });
    await web.submit("/notifications", "/notifications/read", {});
    const before = smtp.received.length;
    await send(a, minutes(5));
    expect(mailTo("immy@example.test", before)).toHaveLength(0);
  });

  it("retries a message the SMTP server refused, later, without losing it", async () => {
    await reply(threads.imm, "A third reply.");
    smtp.failNext();
    const before = smtp.received.length;
    const failed = await send(a, minutes(5));
    expect(failed.out.join("\n")).toContain("Sent 0 email(s); 1 failed");
    expect(smtp.received.length).toBe(before);
    const row = await sql<{ attempts: number; last_error: string }>`
      select attempts, last_error from email_settings s join accounts a on a.id = s.account_id
      where a.username = 'immy'`.execute(a.kindred.database.db);
    expect(row.rows[0].attempts).toBe(1);
    expect(row.rows[0].last_error).toContain("451");
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "immy", password: "immy has a long password" });
    expect(text((await web.get("/settings/email")).html)).toContain("We could not email you the last time");
    // Not before its back-off has passed.
    await send(a, minutes(5.5));
    expect(smtp.received.length).toBe(before);
    const retried = await send(a, minutes(7));
    expect(retried.out.join("\n")).toContain("Sent 1 email(s)");
    const mail = parseMail(mailTo("immy@example.test", before)[0].raw);
    expect(mail.subject).toBe("1 new notification on Test Kindred");
  });

  it("a reply from another server reaches an immediate member too", async () => {
    const remoteThreads = await sql<{ id: number }>`
      select id from posts where title = ${TITLE} and thread_id is null order by id`.execute(b.kindred.database.db);
    expect(remoteThreads.rows.length).toBeGreaterThan(0);
    await reply(remoteThreads.rows[0].id, "From far away: chemo is hard.", remote);
    await waitForQueues([a, b]);
    const before = smtp.received.length;
    await send(a, minutes(10));
    const mail = parseMail(mailTo("immy@example.test", before)[0].raw);
    expectNoSecrets("subject", mail.subject);
    expectNoSecrets("text", mail.text);
  });
});

describe("privacy and safety", () => {
  it("never names a private group or its threads, even to a member who opted in", async () => {
    await createLocalGroup(a, { slug: "hiv-peers", name: "HIV peer support", owner: "replier", visibility: "private", joinPolicy: "open" });
    await apiOk(replier, "POST", "/groups/follow", { handle: "hiv-peers" });
    const joined = await apiOk(m.detail, "POST", "/groups/follow", { handle: "hiv-peers" });
    if (joined.state !== "accepted") {
      const detailActor = await a.kindred.database.db.selectFrom("actors").select("id").where("uri", "=", m.detail.uri)
        .executeTakeFirstOrThrow();
      await apiOk(replier, "POST", `/groups/${joined.group.id}/requests/${detailActor.id}/approve`);
    }
    const thread = (await apiOk(m.detail, "POST", `/groups/${joined.group.id}/threads`, { title: "Viral load results", body: "x" })).post.id;
    await reply(thread, "Undetectable now, so relieved.");
    const before = smtp.received.length;
    await send(a, minutes(5));
    const [received] = mailTo("detailed@example.test", before);
    const mail = parseMail(received.raw);
    // The reply, and the answer to the request to join.
    expect(mail.subject).toBe("2 new notifications on Test Kindred");
    expect(mail.text).toContain("You are now a member of a private group.");
    for (const part of [mail.subject, mail.text, mail.html]) {
      for (const secret of ["HIV", "Viral load", "Undetectable", "relieved"]) expect(part).not.toContain(secret);
    }
    expect(mail.text).toContain("replier replied to you in a thread (a private group)");
  });

  it("emails a member exactly once when two workers run the job at the same moment", async () => {
    await reply(threads.detail, "Two workers, one email.");
    const before = smtp.received.length;
    const at = minutes(5);
    const runs = await Promise.all([send(a, at), send(a, at), send(a, at)]);
    const sent = runs.map((r) => Number(/Sent (\d+)/.exec(r.out.join("\n"))?.[1]));
    expect(sent.reduce((x, y) => x + y, 0)).toBe(1);
    expect(mailTo("detailed@example.test", before)).toHaveLength(1);
  });

  it("never names a local-only group or quotes it, even to a member who opted in", async () => {
    await createLocalGroup(a, { slug: "fatigue-here", name: "Long COVID fatigue circle", owner: "replier", visibility: "local" });
    await apiOk(replier, "POST", "/groups/follow", { handle: "fatigue-here" });
    const joined = await apiOk(m.detail, "POST", "/groups/follow", { handle: "fatigue-here" });
    expect(joined.state).toBe("accepted");
    const thread = (await apiOk(m.detail, "POST", `/groups/${joined.group.id}/threads`, { title: "Crash after walking", body: "x" })).post.id;
    await reply(thread, "Pacing with a heart-rate monitor helped me.");
    const before = smtp.received.length;
    await send(a, minutes(5));
    const [received] = mailTo("detailed@example.test", before);
    const mail = parseMail(received.raw);
    expect(mail.subject).toMatch(/^\d+ new notifications? on Test Kindred$/);
    for (const part of [mail.subject, mail.text, mail.html]) {
      for (const secret of ["fatigue", "COVID", "Crash after walking", "Pacing", "heart-rate"]) expect(part).not.toContain(secret);
    }
    expect(mail.text).toContain("replier replied to you in a thread (a local-only group)");
    expect(mail.html).not.toMatch(/\/p\/\d+/);
  });

  it("quotes no post that moderators removed or held back, nor one its author deleted; each still counts", async () => {
    const db = a.kindred.database.db;
    const texts = ["Buy this miracle cure in my shop.", "Oops, wrong thread for this one.", "My oncologist said to rest more."];
    const ids: number[] = [];
    for (const body of texts) ids.push((await apiOk(replier, "POST", `/posts/${threads.detail}/replies`, { body })).post.id);
    await apiOk(replier, "POST", `/posts/${ids[0]}/moderation`, { action: "remove", reason: "Advertising" });
    await apiOk(replier, "DELETE", `/posts/${ids[1]}`);
    // Held for review after its notification was written (as a post whose review a moderator reopened).
    await sql`update posts set review_state = 'held' where id = ${ids[2]}`.execute(db);
    const before = smtp.received.length;
    await send(a, minutes(5));
    const [received] = mailTo("detailed@example.test", before);
    const mail = parseMail(received.raw);
    const emailed = await db.selectFrom("notifications").select("id")
      .where("post_id", "in", ids).where("kind", "=", "reply").where("emailed_at", "is not", null).execute();
    expect(emailed.length).toBeGreaterThanOrEqual(2);
    expect(mail.subject).toBe(`${emailed.length} new notifications in ${GROUP}`);
    expect(mail.text.split("\n- replier replied to you in a thread (Breast cancer support)").length - 1).toBe(emailed.length);
    for (const part of [mail.text, mail.html]) {
      for (const secret of [...texts, TITLE, "miracle", "oncologist"]) expect(part).not.toContain(secret);
    }
  });
});

describe("the email job", () => {
  it("goes on with the other members when one member's email fails, and tries that one again later", async () => {
    const db = a.kindred.database.db;
    // Made one after the other: "unlucky" comes first in the job's order (account id).
    const unlucky = await member(a, "unlucky", "unlucky@example.test");
    const lucky = await member(a, "lucky", "lucky@example.test");
    for (const who of [unlucky, lucky]) {
      await apiOk(who, "PATCH", "/me/email-settings", { frequency: "immediate" });
      await apiOk(who, "POST", "/groups/follow", { handle: "breast-cancer" });
      const thread = (await apiOk(who, "POST", `/groups/${groupId}/threads`, { title: "Hair loss", body: "Any tips?" })).post.id;
      await reply(thread, "A cold cap worked for me.");
    }
    const id = (await db.selectFrom("accounts").select("id").where("username", "=", "unlucky").executeTakeFirstOrThrow()).id;
    // The database refuses to record unlucky's email as sent (a full disk, a broken connection).
    await sql`create function test_refuse_emailed() returns trigger language plpgsql as $$
      begin raise exception 'the disk is full (test)'; end $$`.execute(db);
    await sql.raw(`create trigger test_refuse_emailed before update of emailed_at on notifications for each row
      when (new.emailed_at is not null and old.account_id = ${Number(id)}) execute function test_refuse_emailed()`).execute(db);
    const before = smtp.received.length;
    const at = minutes(5);
    let run: Awaited<ReturnType<typeof send>>;
    try {
      run = await send(a, at);
    } finally {
      await sql`drop trigger test_refuse_emailed on notifications`.execute(db);
      await sql`drop function test_refuse_emailed()`.execute(db);
    }
    expect(run.code).toBe(0);
    expect(run.out.join("\n")).toMatch(/Sent \d+ email\(s\); 1 failed/);
    expect(mailTo("lucky@example.test", before)).toHaveLength(1);
    const failed = await db.selectFrom("email_settings").selectAll().where("account_id", "=", id).executeTakeFirstOrThrow();
    expect(failed).toMatchObject({ attempts: 1, lease_until: null });
    expect(failed.last_error).toContain("the disk is full (test)");
    expect(failed.next_attempt_at?.getTime()).toBe(at.getTime() + 60_000);
    // After the back-off, it goes out; the message that went before the database failed is the one sent twice.
    await send(a, new Date(at.getTime() + 30_000));
    expect(mailTo("unlucky@example.test", before)).toHaveLength(1);
    await send(a, new Date(at.getTime() + 61_000));
    expect(mailTo("unlucky@example.test", before)).toHaveLength(2);
    expect(await db.selectFrom("email_settings").select(["attempts", "last_error"]).where("account_id", "=", id).executeTakeFirst())
      .toEqual({ attempts: 0, last_error: null });
    await send(a, new Date(at.getTime() + 120_000));
    expect(mailTo("unlucky@example.test", before)).toHaveLength(2);
    expect(mailTo("lucky@example.test", before)).toHaveLength(1);
  });

  it("a worker whose claim ran out changes nothing once another worker holds the member", async () => {
    // A whole send ends well within the claim: a second worker cannot claim a member mid-send.
    expect(SEND_DEADLINE_MS).toBeLessThanOrEqual((CLAIM_LEASE_SECONDS * 1000) / 2);
    const db = a.kindred.database.db;
    const id = (await db.selectFrom("accounts").select("id").where("username", "=", "lucky").executeTakeFirstOrThrow()).id;
    const settings = () => db.selectFrom("email_settings").selectAll().where("account_id", "=", id).executeTakeFirstOrThrow();
    const first = await claimRecipient(db, id);
    expect(first).toBeInstanceOf(Date);
    expect(await claimRecipient(db, id)).toBeUndefined();
    // The first worker renews its claim before sending: a new token, the old one is void.
    const renewed = await renewClaim(db, id, first!);
    expect(renewed).toBeInstanceOf(Date);
    expect(await renewClaim(db, id, first!)).toBeUndefined();
    // Its lease runs out (a process frozen for minutes), and a second worker claims the member.
    await sql`update email_settings set lease_until = now() - interval '1 second' where account_id = ${id}`.execute(db);
    const second = await claimRecipient(db, id);
    expect(second).toBeInstanceOf(Date);
    expect(second!.getTime()).not.toBe(renewed!.getTime());
    // The first worker wakes up: nothing it records touches the second's claim or bookkeeping.
    expect(await recordFailure(db, id, renewed!, new Date(Date.now() + 60_000), "late failure")).toBe(false);
    expect(await recordSent(db, id, renewed!, [], new Date())).toBe(false);
    await releaseClaim(db, id, renewed!);
    const during = await settings();
    expect(during.lease_until?.getTime()).toBe(second!.getTime());
    expect(during).toMatchObject({ attempts: 0, last_error: null, next_attempt_at: null });
    expect(await claimRecipient(db, id)).toBeUndefined();
    expect(await recordSent(db, id, second!, [], new Date())).toBe(true);
    expect((await settings()).lease_until).toBeNull();
  });
});

describe("requests to join", () => {
  it("notify the group's owner, in the app and by email", async () => {
    await createLocalGroup(a, { slug: "carers", name: "Carers circle", owner: "detailed", joinPolicy: "approval" });
    const asked = await apiOk(m.noaddr, "POST", "/groups/follow", { handle: "carers" });
    expect(asked.state).toBe("pending");
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "detailed", password: "detailed has a long password" });
    const page = text((await web.get("/notifications")).html);
    expect(page).toContain("Someone asked to join Carers circle . Review the requests");
    const before = smtp.received.length;
    await send(a, minutes(5));
    const mail = parseMail(mailTo("detailed@example.test", before)[0].raw);
    expect(mail.subject).toBe("1 new notification in Carers circle");
    expect(mail.text).toContain("Someone asked to join Carers circle.");
  });
});

describe("digests", () => {
  it("go out daily at DIGEST_HOUR, not before, and once", async () => {
    const before = smtp.received.length;
    await send(a, new Date(digestAt.getTime() - 60_000));
    expect(mailTo("dailyreader@example.test", before)).toHaveLength(0);
    await send(a, new Date(digestAt.getTime() + 60_000));
    const daily = mailTo("dailyreader@example.test", before);
    expect(daily).toHaveLength(1);
    expect(mailTo("weeklyreader@example.test", before)).toHaveLength(0);
    const mail = parseMail(daily[0].raw);
    expect(mail.subject).toBe("Your daily summary: 1 new notification on Test Kindred");
    expectNoSecrets("subject", mail.subject);
    expectNoSecrets("text", mail.text);
    expectNoSecrets("html", mail.html);
    await send(a, new Date(digestAt.getTime() + 120_000));
    expect(mailTo("dailyreader@example.test", before)).toHaveLength(1);
  });

  it("go out weekly on DIGEST_WEEKDAY only", async () => {
    const before = smtp.received.length;
    await send(a, new Date(digestAt.getTime() + 86_400_000 + 60_000));
    expect(mailTo("weeklyreader@example.test", before)).toHaveLength(0);
    await send(a, new Date(digestAt.getTime() + 2 * 86_400_000 + 60_000));
    const weekly = mailTo("weeklyreader@example.test", before);
    expect(weekly).toHaveLength(1);
    expect(parseMail(weekly[0].raw).subject).toBe("Your weekly summary: 1 new notification on Test Kindred");
    // The daily member had nothing new: no empty digest.
    expect(mailTo("dailyreader@example.test", before)).toHaveLength(0);
  });
});

describe("suspended accounts", () => {
  it("get no email while suspended; their notifications wait, unsent", async () => {
    await reply(threads.daily, "A reply while you are away.");
    await runCommand(["account", "suspend", "dailyreader", "--reason", "test"], {
      db: a.kindred.database.db, origin: a.url, out: () => {}, err: () => {},
      fedify: () => a.kindred.federation.createContext(a.url, a.kindred.contextData),
    });
    const before = smtp.received.length;
    const at = new Date(digestAt.getTime() + 3 * 86_400_000 + 60_000);
    await send(a, at);
    expect(mailTo("dailyreader@example.test", before)).toHaveLength(0);
    await runCommand(["account", "unsuspend", "dailyreader"], {
      db: a.kindred.database.db, origin: a.url, out: () => {}, err: () => {},
      fedify: () => a.kindred.federation.createContext(a.url, a.kindred.contextData),
    });
    await send(a, at);
    expect(mailTo("dailyreader@example.test", before)).toHaveLength(1);
  });
});

describe("unsubscribing", () => {
  it("works from the email's link, in one click, without logging in", async () => {
    const mail = parseMail(mailTo("immy@example.test")[0].raw);
    const link = /^<(.+)>$/.exec(mail.headers.get("list-unsubscribe")!)![1];
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`action="${new URL(link).pathname}"`);
    // Opening the link changes nothing (link scanners open links).
    expect((await apiOk(m.imm, "GET", "/me/email-settings")).emailSettings.frequency).toBe("immediate");
    const post = await fetch(link, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(post.status).toBe(200);
    expect(await post.text()).toContain("You will get no more notification emails.");
    expect((await apiOk(m.imm, "GET", "/me/email-settings")).emailSettings.frequency).toBe("off");
    await reply(threads.imm, "Are you still there?");
    const before = smtp.received.length;
    await send(a, minutes(30));
    expect(mailTo("immy@example.test", before)).toHaveLength(0);
    const wrong = await fetch(new URL(`/email/unsubscribe/${"x".repeat(43)}`, a.url), { method: "POST" });
    expect(wrong.status).toBe(404);
  });
});

describe("without SMTP_URL", () => {
  it("sends nothing, and the settings page says so", async () => {
    const there = await member(b, "nosmtp", "nosmtp@example.test");
    await apiOk(there, "PATCH", "/me/email-settings", { frequency: "immediate" });
    const web = new WebClient(b);
    await web.submit("/login", "/login", { username: "nosmtp", password: "nosmtp has a long password" });
    expect(text((await web.get("/settings/email")).html)).toContain("This server does not send email at the moment");
    const run = await send(b, minutes(60));
    expect(run.code).toBe(1);
    expect(run.err.join("\n")).toContain("email is off");
  });
});

describe("on a worker node", () => {
  it("runs the job every DIGEST_INTERVAL_SECONDS, and emails only the kinds chosen", async () => {
    const c = await startInstance({ SMTP_URL: smtp.url, DIGEST_INTERVAL_SECONDS: "1" });
    try {
      const [loopy, poster] = await Promise.all([member(c, "loopy", "loopy@example.test"), member(c, "poster")]);
      await apiOk(loopy, "PATCH", "/me/email-settings", { frequency: "immediate", staff: false });
      await createLocalGroup(c, { slug: "sleep", name: "Sleep problems", owner: "poster" });
      // A request to join loopy's group: for moderators, which loopy did not choose.
      await createLocalGroup(c, { slug: "night-owls", name: "Night owls", owner: "loopy", joinPolicy: "approval" });
      expect((await apiOk(poster, "POST", "/groups/follow", { handle: "night-owls" })).state).toBe("pending");
      const group = (await apiOk(loopy, "POST", "/groups/follow", { handle: "sleep" })).group.id;
      await apiOk(poster, "POST", "/groups/follow", { handle: "sleep" });
      const thread = (await apiOk(loopy, "POST", `/groups/${group}/threads`, { title: "Insomnia", body: "Awake at 3am." })).post.id;
      await apiOk(poster, "POST", `/posts/${thread}/replies`, { body: "Same here." });
      // Two minutes pass (the immediate email waits a minute for more).
      const db = c.kindred.database.db;
      await sql`update email_settings set since = now() - interval '1 hour'`.execute(db);
      await sql`update notifications set created_at = now() - interval '2 minutes'`.execute(db);
      const kinds = await sql<{ kind: string }>`select kind from notifications n join accounts a on a.id = n.account_id
        where a.username = 'loopy' order by n.id`.execute(db);
      expect(kinds.rows.map((r) => r.kind)).toEqual(["join_request", "reply"]);
      const before = smtp.received.length;
      await smtp.waitFor(before + 1);
      const mail = parseMail(mailTo("loopy@example.test", before)[0].raw);
      expect(mail.text.split(/\r?\n/)[0]).toBe("1 reply to you. Log in to read them.");
      // The next runs send nothing more.
      await new Promise((r) => setTimeout(r, 2500));
      expect(mailTo("loopy@example.test", before)).toHaveLength(1);
    } finally {
      await c.stop();
    }
  });
});

describe("account deletion", () => {
  it("deletes the member's email choices", async () => {
    const db = a.kindred.database.db;
    const account = await db.selectFrom("accounts").select("id").where("username", "=", "weeklyreader").executeTakeFirstOrThrow();
    expect(await db.selectFrom("email_settings").select("account_id").where("account_id", "=", account.id).execute()).toHaveLength(1);
    await apiOk(m.weekly, "DELETE", "/me", { password: "weeklyreader has a long password" });
    expect(await db.selectFrom("email_settings").select("account_id").where("account_id", "=", account.id).execute()).toEqual([]);
  });
});
