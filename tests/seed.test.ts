/**
 * `kindred seed` as a user runs it: fills an empty instance (own database),
 * refuses bad numbers and a second run without writing anything, and a
 * server started on the result serves the seeded groups and threads as the
 * app's own: the directory, the biggest group's page, the 300-reply thread
 * (HTML and JSON), and the directory a page at a time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchPostgres, testEngine } from "./helpers/database.ts";
import { freePort } from "./helpers/instance.ts";
import { runCli, type ServerProcess, startServerProcess } from "./helpers/process.ts";

describe(`kindred seed on ${testEngine}`, () => {
  const env: Record<string, string> = {};
  let cleanup: () => Promise<void>;
  let server: ServerProcess | undefined;
  let seeded = "";

  beforeAll(async () => {
    const port = await freePort();
    env.ORIGIN = `http://127.0.0.1:${port}`;
    env.PORT = String(port);
    if (testEngine === "postgres") {
      const scratch = await createScratchPostgres();
      env.DATABASE_URL = scratch.url;
      cleanup = scratch.drop;
    } else {
      const dir = mkdtempSync(join(tmpdir(), "kindred-seed-"));
      env.DATA_DIR = dir;
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await server?.stop();
    await cleanup?.();
  });

  const groupCount = async () => {
    const listed = await runCli(["group", "list", "--json"], env);
    return JSON.parse(listed.stdout.slice(listed.stdout.indexOf("["))).length as number;
  };

  it("refuses bad numbers before writing anything", async () => {
    const cases: [string[], RegExp, number][] = [
      [["seed", "--threads", "many"], /--threads takes a whole number \(got "many"\)/, 2],
      [["seed", "--groups", "-3"], /--groups/, 2],
      [["seed", "--groups", "0", "--threads", "10", "--replies", "0"], /groups must be a whole number from 1/, 1],
      [["seed", "--threads", "1", "--replies", "0"], /threads must be a whole number from 2/, 1],
      [["seed", "extra"], /seed takes no extra/, 2],
    ];
    for (const [args, message, code] of cases) {
      const result = await runCli(args, env);
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(result.code, args.join(" ")).toBe(code);
    }
    expect(await groupCount()).toBe(0);
  });

  it("fills an empty instance, with progress on stderr", async () => {
    const result = await runCli(["seed", "--groups", "150", "--threads", "60", "--replies", "700", "--members", "30"], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Seeded 150 groups, 30 members \(\d+ memberships\), 60 threads, 700 replies and \d+ votes/);
    // Not a terminal: one bar per step, ending at 100 %.
    expect(result.stderr).toMatch(/\[#+\.*\]\s+\d+%\s+replies 700\/700/);
    expect(result.stderr).toMatch(/\[#{30}\] 100%/);
    seeded = result.stdout;
    expect(await groupCount()).toBe(150);
  }, 60_000);

  it("refuses a second run, changing nothing", async () => {
    const again = await runCli(["seed", "--groups", "2", "--threads", "10", "--replies", "0"], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/seed fills an empty instance; this one already has 760 posts; nothing was changed/);
    expect(await groupCount()).toBe(150);
  });

  it("serves what it seeded as the app's own content", async () => {
    server = await startServerProcess(env, Number(env.PORT));
    const origin = env.ORIGIN;
    const threadUrl = /Thread with 300 replies: (\S+)/.exec(seeded)![1];
    const directory = await (await fetch(`${origin}/groups`)).text();
    expect(directory).toContain("/@seed-big");
    const group = await fetch(`${origin}/@seed-big`, { headers: { accept: "text/html" } });
    expect(group.status).toBe(200);
    const groupHtml = await group.text();
    // The big thread was the most recently active: first on the group page.
    expect(groupHtml).toContain(new URL(threadUrl).pathname);
    const thread = await fetch(threadUrl);
    expect(thread.status).toBe(200);
    const threadHtml = await thread.text();
    // Replies are shown (how many per page is the thread page's business).
    expect(threadHtml.match(/id="post-\d+"/g)?.length ?? 0).toBeGreaterThan(10);
    // Counters as the app keeps them: the activity feed of the group shows 300 replies.
    expect(groupHtml).toMatch(/300 repl/);
  }, 60_000);

  it("pages through the directory by name, keyset, as HTML and JSON", async () => {
    const origin = env.ORIGIN;
    const slugsOf = (html: string) => [...html.matchAll(/<a href="\/@(seed-[a-z0-9-]+)">/g)].map((m) => m[1]);
    const first = await (await fetch(`${origin}/groups`)).text();
    const next = /href="(\/groups\?after=\d+)" rel="next"/.exec(first)?.[1];
    expect(next, "a link to the next page").toBeDefined();
    const second = await (await fetch(`${origin}${next!.replaceAll("&amp;", "&")}`)).text();
    expect(second).not.toContain('rel="next"');
    // 150 groups, three of them local-only (not shown to an anonymous reader).
    const shown = [...slugsOf(first), ...slugsOf(second)];
    expect(slugsOf(first)).toHaveLength(100);
    expect(new Set(shown).size).toBe(147);
    // A made-up cursor is an empty page, not an error.
    expect((await fetch(`${origin}/groups?after=2147483647`)).status).toBe(200);

    const admin = await runCli(["admin", "create", "--username", "reader", "--password-stdin"], env, "a long enough password\n");
    expect(admin.code, admin.stderr).toBe(0);
    const login = await fetch(`${origin}/api/v1/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "reader", password: "a long enough password" }),
    });
    const { token } = await login.json() as { token: string };
    const api = async (path: string) =>
      await (await fetch(`${origin}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as {
        groups: { id: number; slug: string; name: string; members: number }[];
        next: number | null;
      };
    const p1 = await api("/groups");
    expect(p1.groups).toHaveLength(100);
    expect(p1.next).not.toBeNull();
    const p2 = await api(`/groups?after=${p1.next}`);
    expect(p2.next).toBeNull();
    const all = [...p1.groups, ...p2.groups];
    // A signed-in local member sees the local-only groups too; in name order, each once.
    expect(new Set(all.map((g) => g.slug)).size).toBe(150);
    const names = all.map((g) => g.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const search = await api("/groups?q=diabetes");
    expect(search.groups.length).toBeGreaterThan(0);
    expect(search.groups.every((g) => /diabetes/i.test(g.name))).toBe(true);
    expect(search.next).toBeNull();
  }, 60_000);
});
