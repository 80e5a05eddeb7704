/**
 * Issue #6, item 6: log records never carry email or IP addresses,
 * passwords, tokens, cookies, session ids or post bodies.  The records go
 * through the real LogTape configuration (`setupLogging`), in both output
 * formats, and the formatted lines are checked.
 */
import { getLogger } from "@logtape/logtape";
import { afterEach, describe, expect, it } from "vitest";
import { setupLogging, shutdownLogging } from "../src/logging.ts";

afterEach(() => shutdownLogging());

async function capture(format: "json" | "pretty", log: () => void): Promise<string> {
  const lines: string[] = [];
  await setupLogging({ logLevel: "debug", logFormat: format }, { write: (line) => lines.push(line) });
  log();
  return lines.join("");
}

const SECRETS = ["sam.taylor@example.org", "203.0.113.7", "hunter2 is long", "tok_4f9a8b7c", "sess-77aa", "my new diagnosis"];

describe("log redaction", () => {
  for (const format of ["json", "pretty"] as const) {
    it(`removes personal data by property name and by pattern (${format})`, async () => {
      const out = await capture(format, () => {
        getLogger(["kindred", "test"]).info("Sign-up of {username} <{email}> from {ip}", {
          username: "sam_t",
          email: "sam.taylor@example.org",
          ip: "203.0.113.7",
          password: "hunter2 is long",
          apiToken: "tok_4f9a8b7c",
          request: { headers: { cookie: "kindred_session=sess-77aa", "x-forwarded-for": "203.0.113.7" } },
          post: { content_html: "<p>my new diagnosis</p>" },
        });
      });
      for (const secret of SECRETS) expect(out).not.toContain(secret);
      expect(out).toContain("sam_t");
      expect(out).toContain("[redacted]");
    });
  }

  it("blanks emails, IPv4 and IPv6 addresses and bearer tokens inside messages, values and errors", async () => {
    const out = await capture("json", () => {
      const logger = getLogger(["fedify", "test"]);
      logger.warn("Mail to jo.doe@mail.example failed for 2001:db8::42, 198.51.100.23 and fe80:0:0:0:0:0:0:1 at 10:30:45");
      logger.error("Failed: {error} ({detail})", {
        error: new Error("no account for kim@clinic.example at 192.0.2.1"),
        detail: "Authorization: Bearer abc.def-ghi",
      });
    });
    for (const secret of ["jo.doe@mail.example", "2001:db8::42", "198.51.100.23", "fe80:0:0:0:0:0:0:1", "kim@clinic.example", "192.0.2.1", "abc.def-ghi"]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("[email]");
    expect(out).toContain("[ip]");
    // Times, versions and URLs' paths are kept.
    expect(out).toContain("10:30:45");
    expect(out).toContain("Bearer [redacted]");
  });
});

describe("activities Fedify logs", () => {
  it("lose their bodies, titles and alt texts in every ActivityStreams spelling", async () => {
    const out = await capture("json", () => {
      getLogger(["fedify", "federation", "inbox"]).info("Activity {activityId} is enqueued.", {
        activityId: "https://masto.example/users/kim/statuses/1/activity",
        activity: {
          type: "Create",
          object: {
            type: "Note",
            contentMap: { en: "<p>my scan showed a relapse</p>" },
            name: "Relapse after chemo",
            summaryMap: { en: "cw: scan results" },
            attachment: [{ type: "Image", name: "my port scar" }],
          },
        },
      });
    });
    for (const secret of ["relapse", "Relapse after chemo", "scan results", "port scar"]) expect(out).not.toContain(secret);
    expect(out).toContain("statuses/1/activity");
  });
});

describe("what stays in the logs", () => {
  it("keeps what operators need: ids, URLs' paths, refusal reasons, usernames", async () => {
    const out = await capture("json", () => {
      getLogger(["kindred", "federation", "inbox"]).info("Refused {id}: {reason}", {
        id: "https://peer.example/activities/1",
        reason: "post https://peer.example/notes/9 is not public; not shared",
      });
    });
    expect(out).toContain("https://peer.example/activities/1");
    expect(out).toContain("is not public");
    expect(out).not.toContain("[redacted]");
  });
});
