/**
 * The parts of notification email without a Kindred instance: the SMTP
 * client against the test SMTP server (AUTH PLAIN and LOGIN, refusals,
 * dot-stuffing, time-outs, the deadline of a whole exchange, STARTTLS and
 * answers injected before TLS), the MIME message (UTF-8 subjects per RFC 2047),
 * the digest schedule across daylight saving, and the settings' checks.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { buildMessage, encodeHeaderWords } from "../src/mail/message.ts";
import { lastDigestTime } from "../src/mail/schedule.ts";
import { dotStuff, sendMail, SmtpError } from "../src/mail/smtp-client.ts";
import { freePort } from "./helpers/instance.ts";
import { parseMail, startSmtpServer, type TestSmtpServer } from "./helpers/smtp-server.ts";

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startSmtpServer({ user: "mailer", password: "p@ss word" });
});
afterAll(() => smtp?.close());

function message(subject: string, text: string) {
  return buildMessage({
    from: "Klinik Zürich <noreply@example.test>",
    to: "member@example.test",
    subject,
    text,
    html: `<p>${text}</p>`,
    unsubscribeUrl: "https://example.test/email/unsubscribe/abc",
    messageIdHost: "example.test",
  });
}

describe("the SMTP client", () => {
  it("logs in with AUTH PLAIN, and the message arrives whole, lines starting with a dot included", async () => {
    const subject = "Zürich: 3 nouvelles notifications — ça va ? 🌱 and a long tail to force several encoded words";
    const text = ".a line starting with a dot\n..two dots\n.\nend";
    await sendMail({ url: new URL(smtp.url), startTls: "auto", clientName: "kindred.test" },
      { from: "noreply@example.test", to: "member@example.test", data: message(subject, text) });
    const got = smtp.received.at(-1)!;
    expect(got.user).toBe("mailer");
    expect(got.from).toBe("noreply@example.test");
    expect(got.to).toEqual(["member@example.test"]);
    const mail = parseMail(got.raw);
    expect(mail.subject).toBe(subject);
    expect(mail.text).toBe(text.replace(/\n/g, "\r\n"));
    expect(mail.headers.get("from")).toMatch(/^=\?UTF-8\?B\?[\w+/=]+\?= <noreply@example\.test>$/);
    // Every header line fits in 78 characters (RFC 5322).
    for (const line of got.raw.split("\r\n\r\n")[0].split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
  });

  it("logs in with AUTH LOGIN when the server offers only that", async () => {
    const loginOnly = await startSmtpServer({ user: "u@example.test", password: "v:w", authMechanisms: "LOGIN" });
    try {
      await sendMail({ url: new URL(loginOnly.url), startTls: "off", clientName: "kindred.test" },
        { from: "noreply@example.test", to: "member@example.test", data: message("Hello", "Hi") });
      expect(loginOnly.received).toHaveLength(1);
      expect(loginOnly.received[0].user).toBe("u@example.test");
    } finally {
      await loginOnly.close();
    }
    expect(encodeHeaderWords("plain ascii")).toBe("plain ascii");
  });

  it("refuses a wrong password as a permanent error, and sends nothing", async () => {
    const before = smtp.received.length;
    const url = new URL(smtp.url);
    url.password = "wrong";
    const error = await sendMail({ url, startTls: "auto", clientName: "kindred.test" },
      { from: "noreply@example.test", to: "member@example.test", data: message("x", "y") }).catch((e) => e);
    expect(error).toBeInstanceOf(SmtpError);
    expect(error.code).toBe(535);
    expect(error.temporary).toBe(false);
    expect(smtp.received.length).toBe(before);
  });

  it("reports a 4xx as temporary", async () => {
    smtp.failNext();
    const error = await sendMail({ url: new URL(smtp.url), startTls: "auto", clientName: "kindred.test" },
      { from: "noreply@example.test", to: "member@example.test", data: message("x", "y") }).catch((e) => e);
    expect(error).toBeInstanceOf(SmtpError);
    expect(error.code).toBe(451);
    expect(error.temporary).toBe(true);
  });

  it("refuses addresses that could inject SMTP commands", async () => {
    const error = await sendMail({ url: new URL(smtp.url), startTls: "auto", clientName: "kindred.test" },
      { from: "noreply@example.test", to: "a@example.test>\r\nRCPT TO:<b@example.test", data: "x" }).catch((e) => e);
    expect(error).toBeInstanceOf(SmtpError);
    expect(error.message).toContain("recipient address");
  });

  it("fails with a clear, temporary error when the server is down or silent", async () => {
    const port = await freePort();
    const down = await sendMail({ url: new URL(`smtp://127.0.0.1:${port}`), startTls: "auto", clientName: "k" },
      { from: "a@example.test", to: "b@example.test", data: "x" }).catch((e) => e);
    expect(down).toBeInstanceOf(SmtpError);
    expect(down.message).toContain("could not connect");
    expect(down.temporary).toBe(true);
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const silentPort = (silent.address() as { port: number }).port;
    const timedOut = await sendMail({ url: new URL(`smtp://127.0.0.1:${silentPort}`), startTls: "auto", clientName: "k", timeoutMs: 300 },
      { from: "a@example.test", to: "b@example.test", data: "x" }).catch((e) => e);
    silent.close();
    expect(timedOut).toBeInstanceOf(SmtpError);
    expect(timedOut.message).toContain("no answer from the server within 300 ms");
  });

  it("gives up when the whole exchange outlasts its deadline, however fast each single answer comes", async () => {
    const slow = await startSmtpServer({ replyDelayMs: 150 });
    try {
      const started = Date.now();
      const error = await sendMail({ url: new URL(slow.url), startTls: "off", clientName: "k", timeoutMs: 2000, deadlineMs: 500 },
        { from: "a@example.test", to: "b@example.test", data: message("Slow", "slow") }).catch((e) => e);
      expect(error).toBeInstanceOf(SmtpError);
      expect(error.message).toContain("the exchange with the mail server took longer than 500 ms");
      expect(error.temporary).toBe(true);
      // It gave up at the deadline, before the message went (EHLO, MAIL, RCPT, DATA and the end of the message take 750 ms).
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(slow.received).toHaveLength(0);
      // The same server, given the time, takes the message.
      await sendMail({ url: new URL(slow.url), startTls: "off", clientName: "k", timeoutMs: 2000, deadlineMs: 5000 },
        { from: "a@example.test", to: "b@example.test", data: message("Slow", "slow") });
      expect(slow.received).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });

  it("refuses STARTTLS=required when the server does not offer it", async () => {
    const error = await sendMail({ url: new URL(smtp.url), startTls: "required", clientName: "k" },
      { from: "a@example.test", to: "b@example.test", data: "x" }).catch((e) => e);
    expect(error).toBeInstanceOf(SmtpError);
    expect(error.message).toContain("does not offer STARTTLS");
  });

  it("dot-stuffs and terminates DATA", () => {
    expect(dotStuff(".x\n.\ny")).toBe("..x\r\n..\r\ny\r\n.\r\n");
  });
});

/** A self-signed certificate for 127.0.0.1 (openssl), or undefined where openssl is missing. */
function selfSigned(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "kindred-smtp-"));
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-subj", "/CN=localhost",
      "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ], { stdio: "ignore" });
    return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tls = selfSigned();

describe.skipIf(!tls)("STARTTLS", () => {
  let secure: TestSmtpServer;
  beforeAll(async () => {
    secure = await startSmtpServer({ user: "mailer", password: "pw", tls });
  });
  afterAll(() => secure?.close());
  const envelope = () => ({ from: "noreply@example.test", to: "member@example.test", data: message("Over TLS", "Hello") });

  it("upgrades when the server offers it, then logs in and sends over TLS", async () => {
    await sendMail({ url: new URL(secure.url), startTls: "auto", clientName: "kindred.test", ca: tls!.cert }, envelope());
    expect(secure.received.at(-1)).toMatchObject({ secure: true, user: "mailer", to: ["member@example.test"] });
    await sendMail({ url: new URL(secure.url), startTls: "required", clientName: "kindred.test", ca: tls!.cert }, envelope());
    expect(secure.received.at(-1)?.secure).toBe(true);
  });

  it("checks the server's certificate, and sends nothing when it is not trusted", async () => {
    const before = secure.received.length;
    const error = await sendMail({ url: new URL(secure.url), startTls: "auto", clientName: "kindred.test" }, envelope())
      .catch((e) => e);
    expect(error).toBeInstanceOf(SmtpError);
    expect(error.message).toContain("STARTTLS failed");
    expect(secure.received.length).toBe(before);
  });

  for (
    const [what, injected] of [
      ["whole lines", "250-test-smtp greets you\r\n250 AUTH PLAIN LOGIN\r\n"],
      ["part of a line", "25"],
    ]
  ) {
    it(`fails when ${what} follow the plaintext answer to STARTTLS (a man in the middle), and sends nothing`, async () => {
      const tampered = await startSmtpServer({ user: "mailer", password: "pw", tls, afterStartTls: injected });
      try {
        const error = await sendMail({ url: new URL(tampered.url), startTls: "auto", clientName: "kindred.test", ca: tls!.cert }, envelope())
          .catch((e) => e);
        expect(error).toBeInstanceOf(SmtpError);
        expect(error.message).toBe("the server sent more after its answer to STARTTLS, before TLS began; not continuing");
        expect(tampered.received).toHaveLength(0);
      } finally {
        await tampered.close();
      }
    });
  }

  it("stays in clear with SMTP_STARTTLS=off (to a server on this machine only, for the password)", async () => {
    await sendMail({ url: new URL(secure.url), startTls: "off", clientName: "kindred.test" }, envelope());
    expect(secure.received.at(-1)).toMatchObject({ secure: false, user: "mailer" });
  });
});

describe("the digest schedule", () => {
  const s = { hour: 8, weekday: 1, timeZone: "UTC" };
  it("is the latest DIGEST_HOUR for daily digests", () => {
    expect(lastDigestTime(new Date("2026-11-26T07:59:00Z"), "daily", s).toISOString()).toBe("2026-11-25T08:00:00.000Z");
    expect(lastDigestTime(new Date("2026-11-26T08:00:00Z"), "daily", s).toISOString()).toBe("2026-11-26T08:00:00.000Z");
  });
  it("is the latest DIGEST_WEEKDAY at DIGEST_HOUR for weekly digests", () => {
    // 2026-11-26 is a Thursday; the Monday before is the 23rd.
    expect(lastDigestTime(new Date("2026-11-26T12:00:00Z"), "weekly", s).toISOString()).toBe("2026-11-23T08:00:00.000Z");
    expect(lastDigestTime(new Date("2026-11-23T07:00:00Z"), "weekly", s).toISOString()).toBe("2026-11-16T08:00:00.000Z");
  });
  it("follows the instance's time zone across daylight saving", () => {
    const london = { ...s, timeZone: "Europe/London" };
    // Summer time (UTC+1): 08:00 in London is 07:00 UTC.
    expect(lastDigestTime(new Date("2026-07-01T12:00:00Z"), "daily", london).toISOString()).toBe("2026-07-01T07:00:00.000Z");
    // Winter: 08:00 UTC.
    expect(lastDigestTime(new Date("2026-12-01T12:00:00Z"), "daily", london).toISOString()).toBe("2026-12-01T08:00:00.000Z");
    // The morning the clocks went back (25 October 2026).
    expect(lastDigestTime(new Date("2026-10-25T09:00:00Z"), "daily", london).toISOString()).toBe("2026-10-25T08:00:00.000Z");
    const tokyo = { ...s, timeZone: "Asia/Tokyo" };
    expect(lastDigestTime(new Date("2026-11-26T00:30:00Z"), "daily", tokyo).toISOString()).toBe("2026-11-25T23:00:00.000Z");
  });
});

describe("email settings", () => {
  const base = { ORIGIN: "https://kindred.example" };
  it("default to no email, a From on the instance's host, 08:00 UTC on Mondays", () => {
    const { mail } = loadConfig({ ...base, INSTANCE_NAME: "St Mary's" });
    expect(mail).toEqual({
      smtpUrl: null, from: "St Mary's <noreply@kindred.example>", startTls: "auto", digestHour: 8, digestWeekday: 1,
      timeZone: "UTC", intervalSeconds: 60,
    });
    expect(loadConfig({ ...base, SMTP_URL: "smtps://u:p@mail.example:465", DIGEST_WEEKDAY: "friday" }).mail)
      .toMatchObject({ digestWeekday: 5, smtpUrl: new URL("smtps://u:p@mail.example:465") });
  });
  it("name the bad setting", () => {
    for (const [name, value] of [
      ["SMTP_URL", "http://mail.example"], ["SMTP_URL", "not a url"], ["SMTP_FROM", "nobody"], ["SMTP_STARTTLS", "maybe"],
      ["DIGEST_HOUR", "24"], ["DIGEST_WEEKDAY", "someday"], ["DIGEST_TIME_ZONE", "Mars/Olympus"], ["DIGEST_INTERVAL_SECONDS", "-1"],
    ]) {
      expect(() => loadConfig({ ...base, [name]: value }), `${name}=${value}`).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, [name]: value })).toThrow(name);
    }
  });
});
