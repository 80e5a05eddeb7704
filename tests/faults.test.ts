/**
 * Fault injection (issue #7, item 2): what Kindred does when a worker is
 * killed mid fan-out, a peer is down for a day, the database drops every
 * connection under load, and the disk fills up.  Everything is real: Kindred
 * processes, PostgreSQL, HTTP on 127.0.0.1, a tmpfs of 2 MiB.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { sql } from "kysely";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedPost } from "../bench/peers.ts";
import { migrateToLatest, openDatabase } from "../db/database.ts";
import { createAccount } from "../src/accounts.ts";
import { logIn } from "../src/auth.ts";
import { createGroup } from "../src/groups.ts";
import { adminUrl, createScratchPostgres } from "./helpers/database.ts";
import { type CountingPeer, queueRows, seedFollowers, startCountingPeer, waitFor } from "./helpers/fault-peers.ts";
import { apiOk, createLocalGroup, createMember } from "./helpers/federation.ts";
import { freePort, GENEROUS_RATE_LIMITS, startInstance, type TestInstance } from "./helpers/instance.ts";
import { projectRoot, type ServerProcess, startServerProcess } from "./helpers/process.ts";

const TIME_SCALE = 7200; // a day is 12 s
const DAY_MS = 86_400_000 / TIME_SCALE;

function text(record: LogRecord): string {
  return record.message.map((part) => typeof part === "string" ? part : JSON.stringify(part)).join("");
}

describe("a peer down for a day", () => {
  const records: LogRecord[] = [];
  let instance: TestInstance;

  beforeAll(async () => {
    await configure({
      reset: true,
      sinks: { memory: (record) => void records.push(record) },
      loggers: [
        { category: ["kindred"], sinks: ["memory"], lowestLevel: "info" },
        { category: ["fedify", "federation"], sinks: ["memory"], lowestLevel: "info" },
        { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
      ],
    });
    instance = await startInstance({ TIME_SCALE: String(TIME_SCALE) });
  });
  afterAll(async () => {
    await instance?.stop();
    await reset();
  });

  it("still receives what was queued, with backoff and the circuit breaker in the logs", async () => {
    const peer = await startCountingPeer();
    const up = await startCountingPeer(); // a healthy peer alongside, for contrast
    try {
      await createLocalGroup(instance, { slug: "long-covid", name: "Long Covid", description: "Support." });
      await seedFollowers(instance.kindred.database.db, "long-covid", [peer, up]);
      const member = await createMember(instance, "ada");
      const { group } = await apiOk(member, "POST", "/groups/follow", { handle: new URL("/@long-covid", instance.url).href });

      await peer.down();
      const wentDown = Date.now();
      const { post } = await apiOk(member, "POST", `/groups/${group.id}/threads`, {
        title: "Pacing", body: "What helps you pace on a good day?",
      });
      const announcesOf = (p: typeof peer) => [...p.stored.values()]
        .filter((a) => a.type === "Announce" && JSON.stringify(a.object).includes(post.uri)).length;
      await waitFor(() => announcesOf(up) >= 2, "the healthy peer's Announces", 30_000);
      expect(announcesOf(peer)).toBe(0);

      // "A day" of refused connections, then the peer comes back.
      await new Promise((r) => setTimeout(r, DAY_MS - (Date.now() - wentDown)));
      expect(announcesOf(peer)).toBe(0);
      await peer.up();
      // The next attempt is at most the longest backoff step (6 h) or a circuit probe (30 min) away.
      await waitFor(() => announcesOf(peer) >= 2, "the returning peer's Announces", 6 * 3600_000 / TIME_SCALE + 15_000);
      expect(announcesOf(peer)).toBe(2);
      expect([...peer.deliveries.values()].every((n) => n === 1)).toBe(true);

      const host = peer.origin.host;
      const failures = records.filter((r) => r.category.join(".") === "fedify.federation.outbox" &&
        String(r.properties.inbox ?? "").includes(host));
      // Backoff: retried with growing attempt numbers…
      const attempts = failures.map((r) => r.properties.attempt).filter((a): a is number => typeof a === "number");
      expect(Math.max(...attempts)).toBeGreaterThanOrEqual(1);
      expect(new Set(attempts).size).toBeGreaterThanOrEqual(2);
      expect(failures.some((r) => /retry/.test(text(r)))).toBe(true);
      // …then held while the circuit was open, and the circuit opened and closed again.
      expect(failures.some((r) => /circuit is open/.test(text(r)))).toBe(true);
      const circuit = records.filter((r) => r.category.join(".") === "kindred.federation.circuit" &&
        r.properties.remoteHost === host).map((r) => r.properties.newState);
      expect(circuit).toContain("open");
      expect(circuit.at(-1)).toBe("closed");
      const upHost = up.origin.host;
      expect(records.some((r) => r.category.join(".") === "kindred.federation.circuit" &&
        r.properties.remoteHost === upHost)).toBe(false);
      // Nothing is left over in the queue for it (a message is deleted just
      // after its delivery arrived, so give the last one a moment).
      const left = async () => (await sql<{ n: number }>`select cast(count(*) as int) as n from queue_messages
        where message::text like ${`%${host}%`}`.execute(instance.kindred.database.db)).rows[0].n;
      await waitFor(async () => await left() === 0, "no message left for the peer", 5_000);
    } finally {
      await peer.down();
      await up.down();
    }
  }, 90_000);
});

// Processes cannot share a PGlite: these run on a scratch PostgreSQL
// database in both passes (PGlite and PostgreSQL) of the suite.
describe("on PostgreSQL, with Kindred in child processes", () => {
  interface Seeded { url: string; drop(): Promise<void>; origin: URL; port: number; token: string }

  /** A scratch database with a group `long-covid` and a member `ada` (token), for ORIGIN on a free port. */
  async function seed(peers: CountingPeer[], actorsPerPeer = 1): Promise<Seeded> {
    const scratch = await createScratchPostgres();
    const port = await freePort();
    const origin = new URL(`http://127.0.0.1:${port}`);
    const database = await openDatabase({ databaseUrl: scratch.url, poolSize: 2 });
    try {
      await migrateToLatest(database.db);
      await createGroup(database.db, origin, { slug: "long-covid", name: "Long Covid", description: "Support." });
      await createAccount(database.db, origin, { username: "ada", password: "ada has a long password" });
      const token = (await logIn(database.db, "ada", "ada has a long password"))!;
      await seedFollowers(database.db, "long-covid", peers, actorsPerPeer);
      return { ...scratch, origin, port, token };
    } finally {
      await database.close();
    }
  }

  function env(s: Seeded, extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: s.url, ORIGIN: s.origin.href, ALLOW_PRIVATE_ADDRESS: "true",
      LOG_LEVEL: "warning", ...GENEROUS_RATE_LIMITS, ...extra,
    };
  }

  async function api(s: Seeded, method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(new URL(`/api/v1${path}`, s.origin), {
      method,
      headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    expect(res.status, `${method} ${path}: ${JSON.stringify(json)}`).toBeLessThan(300);
    return json;
  }

  function spawnWorker(extra: Record<string, string>): { child: ChildProcess; ready: Promise<void>; output: () => string } {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: projectRoot,
      env: { ...process.env, ...extra, NODE_TYPE: "worker", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d;
        if (output.includes("worker running")) resolve();
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`worker exited (${code}):\n${output}`)));
    });
    ready.catch(() => {});
    return { child, ready, output: () => output };
  }

  it("kill -9 of a worker mid fan-out: every instance still gets each activity, stored once", async () => {
    const peers = await Promise.all(Array.from({ length: 5 }, () => startCountingPeer({ delayMs: 2000 })));
    const s = await seed(peers);
    const processes: ChildProcess[] = [];
    try {
      const queueEnv = env(s, { QUEUE_CONCURRENCY: "2", QUEUE_LEASE_SECONDS: "3" });
      const web = await startServerProcess({ ...queueEnv, NODE_TYPE: "web" }, s.port);
      processes.push(web.child);
      const workers = [spawnWorker(queueEnv), spawnWorker(queueEnv)];
      processes.push(...workers.map((w) => w.child));
      await Promise.all(workers.map((w) => w.ready));

      const { group } = await api(s, "POST", "/groups/follow", { handle: new URL("/@long-covid", s.origin).href });
      const { post } = await api(s, "POST", `/groups/${group.id}/threads`, {
        title: "Pacing", body: "What helps you pace on a good day?",
      });
      const expected = 2 * peers.length; // Announce(Create) and Announce(Note) to each instance
      const arrived = () => peers.reduce((n, p) => n + p.arrived(), 0);
      await waitFor(() => arrived() >= 3, "the first deliveries", 30_000);
      expect(arrived()).toBeLessThan(expected);
      workers[0].child.kill("SIGKILL");
      await new Promise((r) => workers[0].child.once("exit", r));

      const announces = (p: CountingPeer) => [...p.stored.entries()]
        .filter(([, a]) => a.type === "Announce" && JSON.stringify(a.object).includes(post.uri));
      await waitFor(() => peers.every((p) => announces(p).length >= 2), "every instance's Announces", 60_000);
      for (const p of peers) {
        // Stored once per activity id, whatever arrived twice.
        expect(announces(p).length).toBe(2);
        expect(new Set(announces(p).map(([, a]) => a.object && JSON.stringify(a.object))).size).toBe(2);
      }
      const duplicates = peers.reduce((n, p) =>
        n + [...p.deliveries.values()].filter((count) => count > 1).length, 0);
      // The killed worker held deliveries in flight: they arrived, were not
      // acknowledged, and ran again on the surviving worker after the lease.
      expect(duplicates).toBeGreaterThan(0);
      const check = await openDatabase({ databaseUrl: s.url, poolSize: 1 });
      try {
        await waitFor(async () => await queueRows(check.db) === 0, "an empty queue", 30_000);
      } finally {
        await check.close();
      }
    } finally {
      for (const child of processes) if (child.exitCode == null) child.kill("SIGKILL");
      await Promise.all(peers.map((p) => p.down()));
      await s.drop();
    }
  }, 120_000);

  // postgres.js 3.4.9 cannot be trusted with a connection PostgreSQL dropped
  // (porsager/postgres#1154, #1208): db/postgres-dialect.ts retires the
  // whole pool instead, and the queue keeps a message whose handler lost
  // its connection.
  it("connections dropped under load: every activity answered 2xx is stored, failures are 5xx, and it recovers", async () => {
    const ACTORS = 8;
    const peer = await startCountingPeer({ actors: ACTORS });
    const s = await seed([peer], ACTORS);
    let server: ServerProcess | undefined;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    const dbName = new URL(s.url).pathname.slice(1);
    try {
      server = await startServerProcess(env(s, { QUEUE_LEASE_SECONDS: "5" }), s.port);
      const { group } = await api(s, "POST", "/groups/follow", { handle: new URL("/@long-covid", s.origin).href });
      const { post: thread } = await api(s, "POST", `/groups/${group.id}/threads`, {
        title: "Sleep", body: "How do you sleep after a bad day?",
      });
      const groupUri = new URL("/@long-covid", s.origin).href;
      const inbox = new URL("/@long-covid/inbox", s.origin);
      const reply = (i: number) => {
        const actor = new URL(`u/${i % ACTORS}`, peer.origin);
        const id = new URL(`notes/${i}`, peer.origin).href;
        return signedPost(inbox, actor, {
          "@context": "https://www.w3.org/ns/activitystreams",
          id: `${id}/create`, type: "Create", actor: actor.href,
          to: ["https://www.w3.org/ns/activitystreams#Public"], cc: [groupUri],
          object: {
            id, type: "Note", attributedTo: actor.href, inReplyTo: thread.uri,
            to: ["https://www.w3.org/ns/activitystreams#Public"], cc: [groupUri], audience: groupUri,
            content: `<p>Reply ${i}: a warm bath and no screens.</p>`, published: new Date().toISOString(),
          },
        });
      };
      // Warm the key cache, so that failures come from the database, not from a first key fetch.
      const warm = await Promise.all(Array.from({ length: ACTORS }, (_, i) => reply(1000 + i)));
      for (const p of warm) expect((await fetch(p.url, { method: "POST", body: p.body, headers: p.headers })).status).toBe(202);

      const posts = await Promise.all(Array.from({ length: 80 }, (_, i) => reply(i)));
      let terminating = true;
      let terminated = 0;
      const terminator = (async () => {
        while (terminating) {
          const rows = await admin`select pg_terminate_backend(pid) as t from pg_stat_activity
            where datname = ${dbName} and pid <> pg_backend_pid()`;
          terminated += rows.filter((r) => r.t).length;
          await new Promise((r) => setTimeout(r, 150));
        }
      })();
      const statuses: { id: string; status: number }[] = [];
      let next = 0;
      await Promise.all(Array.from({ length: 4 }, async () => {
        while (next < posts.length) {
          const p = posts[next++];
          const id = JSON.parse(p.body).object.id as string;
          try {
            const res = await fetch(p.url, {
              method: "POST", body: p.body, headers: p.headers, signal: AbortSignal.timeout(20_000),
            });
            await res.arrayBuffer();
            statuses.push({ id, status: res.status });
          } catch (error) {
            statuses.push({ id, status: (error as Error).name === "TimeoutError" ? -1 : 0 });
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      }));
      terminating = false;
      await terminator;
      expect(terminated).toBeGreaterThan(5);
      // No hangs, no dropped connections: each request answered, 2xx or 5xx.
      expect(statuses.filter((x) => x.status < 200), JSON.stringify(statuses)).toEqual([]);
      expect(statuses.filter((x) => x.status >= 300 && x.status < 500), JSON.stringify(statuses)).toEqual([]);
      const accepted = statuses.filter((x) => x.status < 300).map((x) => x.id);
      expect(accepted.length).toBeGreaterThan(posts.length / 4);

      expect((await fetch(new URL("/healthz", s.origin))).status).toBe(200);
      const check = await openDatabase({ databaseUrl: s.url, poolSize: 1 });
      try {
        const storedIds = async () => new Set((await check.db.selectFrom("posts").select("uri")
          .where("uri", "in", accepted).execute()).map((r) => r.uri));
        await waitFor(async () => (await storedIds()).size === accepted.length, "every accepted reply stored", 60_000)
          .catch(async (error) => {
            const stored = await storedIds();
            throw new Error(`${error.message}: missing ${accepted.filter((id) => !stored.has(id)).join(" ")}`);
          });
        // And the queue still runs: a reply sent now is stored too.
        const after = await reply(5000);
        expect((await fetch(after.url, { method: "POST", body: after.body, headers: after.headers })).status).toBe(202);
        const afterId = JSON.parse(after.body).object.id;
        await waitFor(async () => (await check.db.selectFrom("posts").select("id").where("uri", "=", afterId)
          .executeTakeFirst()) != null, "a reply after the storm", 30_000);
      } finally {
        await check.close();
      }
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- server output:\n${server?.output().slice(-4000)}`, { cause: error });
    } finally {
      await server?.stop();
      await admin.end();
      await peer.down();
      await s.drop();
    }
  }, 180_000);
});

describe("a full disk", () => {
  // The embedded database on a small tmpfs of its own, filled up while the
  // server runs (tmpfs needs root, as in CI; the test fails if it cannot mount).
  const mount = `/tmp/kindred-full-disk-${process.pid}`;

  it("answers 503 with a clear message, keeps serving reads, and loses nothing once space is back", async () => {
    mkdirSync(mount, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=96m", "tmpfs", mount]);
    let server: ServerProcess | undefined;
    try {
      const dataDir = `${mount}/data`;
      const port = await freePort();
      const origin = new URL(`http://127.0.0.1:${port}`);
      const seeded = await openDatabase({ dataDir });
      await migrateToLatest(seeded.db);
      await createGroup(seeded.db, origin, { slug: "long-covid", name: "Long Covid", description: "Support." });
      await createAccount(seeded.db, origin, { username: "ada", password: "ada has a long password" });
      const token = (await logIn(seeded.db, "ada", "ada has a long password"))!;
      await seeded.close();
      const env = { DATA_DIR: dataDir, ORIGIN: origin.href, LOG_LEVEL: "warning", ...GENEROUS_RATE_LIMITS };
      server = await startServerProcess(env, port);
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(new URL(`/api/v1${path}`, origin), {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, retryAfter: res.headers.get("retry-after"), json: await res.json() as any };
      };
      const { json } = await call("POST", "/groups/follow", { handle: new URL("/@long-covid", origin).href });
      const groupId = json.group.id;
      const accepted: string[] = [];
      const post = async (title: string) => {
        const r = await call("POST", `/groups/${groupId}/threads`, { title, body: `${title}: ${"words ".repeat(300)}` });
        if (r.status === 201) accepted.push(title);
        return r;
      };
      expect((await post("Before")).status).toBe(201);

      // Fill the disk.
      const free = statfsSync(mount);
      try {
        writeFileSync(`${mount}/filler`, Buffer.alloc(free.bavail * free.bsize));
      } catch { /* ENOSPC: full either way */ }
      let refused: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 50 && !refused; i++) {
        const r = await post(`Full ${i}`);
        if (r.status !== 201) refused = r;
      }
      expect(refused, "a post on a full disk is refused").toBeDefined();
      expect(refused!.status).toBe(503);
      expect(refused!.retryAfter).toBe("60");
      expect(refused!.json.error).toMatch(/cannot save or read data right now/);
      expect(server.output()).toMatch(/disk is full/);
      // Reads and the health check go on.
      expect((await fetch(new URL("/healthz", origin))).status).toBe(200);
      expect((await call("GET", `/groups/${groupId}/threads`)).status).toBe(200);

      // Space back: posting works again without a restart.
      rmSync(`${mount}/filler`);
      expect((await post("After")).status).toBe(201);
      expect(await server.stop()).toBe(0);
      server = undefined;

      // Restarted, the data is whole: every post answered 201 is there.
      const reopened = await openDatabase({ dataDir });
      try {
        const titles = (await reopened.db.selectFrom("posts").select("title").execute()).map((r) => r.title);
        for (const title of accepted) expect(titles, `"${title}" was answered 201`).toContain(title);
        expect(titles).toContain("Before");
        expect(titles).toContain("After");
      } finally {
        await reopened.close();
      }
    } finally {
      await server?.stop();
      execFileSync("umount", ["-l", mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  }, 120_000);
});
