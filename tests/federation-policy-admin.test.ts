/**
 * Managing the instance federation policy: the rules as pure functions,
 * the `kindred federation` commands, the admin API and /admin/federation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { logIn } from "../src/auth.ts";
import { runCommand } from "../src/cli/commands.ts";
import { mayFederateWith } from "../federation/instance-policy.ts";
import { mayFederate, normalizeDomain, ruleCovers, stripMedia } from "../policy/federation-rules.ts";
import { api, apiOk, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

describe("federation rules", () => {
  it("normalises domains and refuses what is not one", () => {
    expect(normalizeDomain(" Example.ORG ")).toBe("example.org");
    expect(normalizeDomain("https://example.org/@someone")).toBe("example.org");
    expect(normalizeDomain("127.0.0.1:3001")).toBe("127.0.0.1:3001");
    for (const bad of ["", "exa mple.org", "example.org:0", "example.org:99999", "-x.org", "a@b.org"]) {
      expect(normalizeDomain(bad), bad).toBeNull();
    }
  });

  it("matches a host with its subdomains on any port, and host:port exactly", () => {
    expect(ruleCovers("example.org", new URL("https://example.org/inbox"))).toBe(true);
    expect(ruleCovers("example.org", new URL("https://social.example.org:8443/x"))).toBe(true);
    expect(ruleCovers("example.org", new URL("https://notexample.org/x"))).toBe(false);
    expect(ruleCovers("example.org:443", new URL("https://example.org/x"))).toBe(true);
    expect(ruleCovers("127.0.0.1:3001", new URL("http://127.0.0.1:3001/inbox"))).toBe(true);
    expect(ruleCovers("127.0.0.1:3001", new URL("http://127.0.0.1:3002/inbox"))).toBe(false);
  });

  it("decides by mode and rules", () => {
    const url = new URL("https://peer.example/inbox");
    expect(mayFederate({ mode: "open", rules: [] }, url)).toBe(true);
    expect(mayFederate({ mode: "open", rules: [{ domain: "peer.example", action: "block" }] }, url)).toBe(false);
    expect(mayFederate({ mode: "open", rules: [{ domain: "peer.example", action: "limit" }] }, url)).toBe(true);
    expect(mayFederate({ mode: "allowlist", rules: [] }, url)).toBe(false);
    expect(mayFederate({ mode: "allowlist", rules: [{ domain: "peer.example", action: "allow" }] }, url)).toBe(true);
    expect(mayFederate({ mode: "allowlist", rules: [{ domain: "peer.example", action: "partner" }] }, url)).toBe(true);
    expect(mayFederate({ mode: "closed", rules: [{ domain: "peer.example", action: "allow" }] }, url)).toBe(false);
  });

  it("strips media and links to media files, keeping other links and text", () => {
    const html = '<p>Scan: <a href="https://x.example/s.JPG?size=2">my scan</a> <img src="https://x.example/a.png"> ' +
      '<a href="https://x.example/guide">guide</a></p><video src="v.mp4"><source src="v.webm"></video>';
    expect(stripMedia(html)).toBe('<p>Scan: my scan  <a href="https://x.example/guide">guide</a></p>');
  });
});

describe("managing the policy", () => {
  let a: TestInstance;
  let admin: Member, member: Member;
  const PASSWORD = "ada has a long password";
  const cli = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await runCommand(argv, {
      db: a.kindred.database.db,
      origin: a.url,
      fedify: () => a.kindred.federation.createContext(a.url, a.kindred.contextData),
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    return { code, output: lines.join("\n") };
  };

  beforeAll(async () => {
    a = await startInstance();
    await createAccount(a.kindred.database.db, a.url, { username: "ada", password: PASSWORD, role: "admin" });
    admin = { instance: a, username: "ada", token: (await logIn(a.kindred.database.db, "ada", PASSWORD))!, uri: "" };
    member = await createMember(a, "mo");
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
  });

  it("works from the command line, and refuses bad input changing nothing", async () => {
    expect(await cli("federation", "block", "Spam.Example", "--reason", "Spam")).toEqual({ code: 0, output: "spam.example: block." });
    expect((await cli("federation", "reject-media", "pics.example:8443")).code).toBe(0);
    expect((await cli("federation", "mode", "allowlist")).code).toBe(0);
    const listed = await cli("federation", "list");
    expect(listed.output).toBe("Mode: allowlist\npics.example:8443\treject_media\t\nspam.example\tblock\tSpam");
    expect(await mayFederateWith(a.kindred.database.db, "https://spam.example/inbox")).toBe(false);
    expect((await cli("federation", "mode", "sideways")).code).toBe(1);
    expect((await cli("federation", "block", "not a domain")).code).toBe(1);
    expect((await cli("federation", "block")).code).toBe(2);
    expect((await cli("federation", "list", "--json")).output).toContain('"mode": "allowlist"');
    expect(await cli("federation", "remove", "spam.example")).toEqual({ code: 0, output: "Removed 1 rule(s) for spam.example." });
    expect((await cli("federation", "mode", "open")).code).toBe(0);
    expect(await mayFederateWith(a.kindred.database.db, "https://spam.example/inbox")).toBe(true);
  });

  it("works over the API for admins only", async () => {
    expect((await api(member, "GET", "/admin/federation")).status).toBe(403);
    expect((await api(member, "POST", "/admin/federation/rules", { domain: "x.example", action: "block" })).status).toBe(403);
    const created = await apiOk(admin, "POST", "/admin/federation/rules", { domain: "x.example", action: "limit", reason: "Noisy" });
    expect(created.rule).toEqual({ domain: "x.example", action: "limit" });
    expect((await api(admin, "POST", "/admin/federation/rules", { domain: "x.example", action: "mute" })).status).toBe(422);
    expect((await apiOk(admin, "PUT", "/admin/federation/mode", { mode: "closed" })).mode).toBe("closed");
    const policy = await apiOk(admin, "GET", "/admin/federation");
    expect(policy.mode).toBe("closed");
    expect(policy.rules).toContainEqual({ domain: "x.example", action: "limit", reason: "Noisy" });
    expect((await apiOk(admin, "DELETE", "/admin/federation/rules/x.example")).removed).toBe(1);
    await apiOk(admin, "PUT", "/admin/federation/mode", { mode: "open" });
  });

  it("has an admin page linked from /admin, with forms that work without JavaScript", async () => {
    const web = new WebClient(a);
    await web.post("/login", { username: "ada", password: PASSWORD }, (await web.get("/login")).html);
    expect((await web.get("/admin")).html).toContain('href="/admin/federation"');
    const added = await web.submit("/admin/federation", "/admin/federation/rules", { domain: "web.example", action: "block", reason: "Harassment" });
    expect(added.status).toBe(200);
    expect(text(added.html)).toContain("Rule added.");
    expect(text(added.html)).toContain("web.example");
    const bad = await web.submit("/admin/federation", "/admin/federation/rules", { domain: "no way", action: "block" });
    expect(bad.status).toBe(422);
    const mode = await web.submit("/admin/federation", "/admin/federation/mode", { mode: "allowlist" });
    expect(mode.html).toMatch(/id="mode-allowlist"[^>]*checked/);
    await web.submit("/admin/federation", "/admin/federation/remove", { domain: "web.example" });
    await web.submit("/admin/federation", "/admin/federation/mode", { mode: "open" });
    const after = await apiOk(admin, "GET", "/admin/federation");
    expect(after.mode).toBe("open");
    expect(after.rules.map((r: { domain: string }) => r.domain)).not.toContain("web.example");
    // Members who are not admins are turned away.
    const other = new WebClient(a);
    await other.post("/login", { username: "mo", password: "mo has a long password" }, (await other.get("/login")).html);
    expect((await other.get("/admin/federation")).status).toBe(403);
  });
});
