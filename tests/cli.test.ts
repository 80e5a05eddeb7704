/**
 * The `kindred` admin CLI as a user runs it: on its own database, and
 * against a running server on the embedded database (the command is handed
 * to the server over its admin socket).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchPostgres, testEngine } from "./helpers/database.ts";
import { freePort } from "./helpers/instance.ts";
import { runCli, type ServerProcess, startServerProcess } from "./helpers/process.ts";

/** Each bad command gets its message and exit code; the group list is unchanged. */
async function expectRefusals(env: Record<string, string>, slugsBefore: string[]) {
  const cases: [string[], RegExp, number][] = [
    [["group", "create", "--slug", "Bad Slug!", "--name", "X"], /slug must be/, 1],
    [["group", "create", "--slug", "ok-slug"], /--name is required/, 2],
    [["group", "create", "--slug", "ok-slug", "--name", "X", "--join-policy", "invite"], /join policy/, 1],
    [["group", "create", "--slug", "ok-slug", "--name", "X", "--owner", "nobody"], /no local member/, 1],
    [["group", "create", "--slug", "ok-slug", "--name", "X", "--audience", "nurses"], /audience must be/, 1],
    [["group", "create", "--slug", "carol", "--name", "Taken"], /already taken/, 1],
    [["group", "create", "--slug", "ok-slug", "--name", "X", "--colour", "red"], /Unknown option/, 2],
    [["group", "update", "missing", "--name", "X"], /no group "missing"/, 1],
    [["admin", "create", "--username", "dave", "--password", "short"], /at least 10/, 1],
    [["frobnicate"], /unknown command/, 2],
  ];
  for (const [args, message, code] of cases) {
    const result = await runCli(args, env);
    expect(result.stderr, args.join(" ")).toMatch(message);
    expect(result.code, args.join(" ")).toBe(code);
  }
  const listed = await runCli(["group", "list", "--json"], env);
  const slugs = JSON.parse(listed.stdout.slice(listed.stdout.indexOf("["))).map((g: { slug: string }) => g.slug);
  expect(slugs).toEqual(slugsBefore);
}

describe(`kindred CLI on its own ${testEngine} database`, () => {
  const env: Record<string, string> = { ORIGIN: "https://support.example" };
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (testEngine === "postgres") {
      const scratch = await createScratchPostgres();
      env.DATABASE_URL = scratch.url;
      cleanup = scratch.drop;
    } else {
      const dir = mkdtempSync(join(tmpdir(), "kindred-cli-"));
      env.DATA_DIR = dir;
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(() => cleanup?.());

  it("creates an admin, creates, lists and updates groups", async () => {
    const admin = await runCli(["admin", "create", "--username", "carol", "--password-stdin"], env, "a long enough password\n");
    expect(admin.stderr).toBe("");
    expect(admin.code).toBe(0);
    expect(admin.stdout).toContain("Created admin @carol@support.example");

    const created = await runCli([
      "group", "create", "--slug", "long-covid", "--name", "Long COVID", "--description", "Peer support",
      "--join-policy", "approval", "--owner", "carol",
    ], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("@long-covid@support.example");

    const updated = await runCli(["group", "update", "long-covid", "--name", "Long COVID peers", "--join-policy", "open",
      "--audience", "patients"], env);
    expect(updated.code).toBe(0);

    const listed = await runCli(["group", "list", "--json"], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout.slice(listed.stdout.indexOf("[")))).toEqual([{
      slug: "long-covid",
      name: "Long COVID peers",
      joinPolicy: "open",
      visibility: "public",
      audience: "patients",
      conditionTags: [],
      languages: [],
      listedElsewhere: true,
      id: "https://support.example/@long-covid",
    }]);
  });

  // Each refusal is a CLI process that opens the embedded database: slow on a busy machine.
  it("refuses bad input with a clear message and writes nothing", async () => {
    await expectRefusals(env, ["long-covid"]);
  }, 180_000);
});

describe("README quick start: server on the embedded database, CLI beside it", () => {
  let dir: string;
  let server: ServerProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kindred-quickstart-"));
    const port = await freePort();
    env = { DATA_DIR: dir, ORIGIN: `http://localhost:${port}` };
    server = await startServerProcess(env, port);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates a group through the running server, which then serves it", async () => {
    const created = await runCli(["group", "create", "--slug", "carers", "--name", "Carers' corner"], env);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);

    const finger = new URL("/.well-known/webfinger", server.url);
    finger.searchParams.set("resource", `acct:carers@${new URL(env.ORIGIN).host}`);
    const jrd = await (await fetch(finger)).json() as { links: { rel: string; href: string }[] };
    const id = jrd.links.find((l) => l.rel === "self")!.href;
    expect(id).toBe(`${env.ORIGIN}/@carers`);

    const actorUrl = new URL("/@carers", server.url);
    const actor = await (await fetch(actorUrl, { headers: { Accept: "application/activity+json" } })).json() as Record<string, unknown>;
    expect(actor.type).toBe("Group");
    expect(actor.name).toBe("Carers' corner");

    const home = await (await fetch(server.url)).text();
    expect(home).toContain("Carers&#39; corner");
  });

  it("refuses bad input through the server too, and writes nothing", async () => {
    await runCli(["admin", "create", "--username", "carol", "--password", "a long enough password"], env);
    await expectRefusals(env, ["carers"]);
  }, 180_000);

  it("refuses a second server on the same data directory", async () => {
    const second = await startServerProcess(env, await freePort()).catch((e: Error) => e);
    expect(second).toBeInstanceOf(Error);
    expect(String(second)).toMatch(/Another Kindred process/);
  });

  it("stops cleanly on SIGTERM", async () => {
    expect(await server.stop()).toBe(0);
    // With the server gone, the CLI opens the database itself.
    const listed = await runCli(["group", "list"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("carers");
  });
});
