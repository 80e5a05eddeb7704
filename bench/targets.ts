/**
 * The servers the federation benchmarks measure, each in its own process
 * (so the load generator's CPU is not counted): Kindred (`src/main.ts`) with
 * a group seeded beforehand, and the stock Fedify baseline
 * (`bench/baseline/server.ts`).  CPU time is read from /proc.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.ts";
import { createAccount } from "../src/accounts.ts";
import { createGroup } from "../src/groups.ts";
import { migrateToLatest, openDatabase } from "../db/database.ts";
import { createScratchPostgres } from "../tests/helpers/database.ts";
import { freePort, GENEROUS_RATE_LIMITS } from "../tests/helpers/instance.ts";

export type Engine = "pglite" | "postgres";

/** A call to Kindred's JSON API as the seeded member `reader`. */
// deno-lint-ignore no-explicit-any
export type KindredApi = (method: string, path: string, body?: unknown) => Promise<any>;

export interface Target {
  name: "kindred" | "fedify";
  engine: Engine;
  url: URL;
  pid: number;
  /** Every process of the server (the web process first): scale-out runs workers beside it. */
  pids: number[];
  /** How the server ran, for the tables ("1 process", "1 web + 2 workers"). */
  layout: string;
  /** The group's actor and inbox. */
  group: URL;
  inbox: URL;
  stop(): Promise<void>;
}

const root = new URL("..", import.meta.url).pathname;

/** CPU time of a server's processes and of their main threads, in ms (Linux /proc). */
export function cpuOfTarget(target: Pick<Target, "pids">): { total: number; main: number } {
  return target.pids.map(cpuOf).reduce((a, b) => ({ total: a.total + b.total, main: a.main + b.main }));
}

/** Resident memory of a process, in MiB (Linux /proc). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU time of a process and of its main thread, in ms (Linux /proc). */
export function cpuOf(pid: number): { total: number; main: number } {
  const ticks = (path: string) => {
    const fields = readFileSync(path, "utf8").replace(/^.*\) /, "").split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, 100 Hz
  };
  return { total: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) };
}

export function spawnServer(script: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "error", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return { child, output: () => output };
}

export async function waitUntilUp(url: URL, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode != null) throw new Error(`${url}: exited early\n${output()}`);
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url}: did not start\n${output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function stopper(child: ChildProcess, cleanup: () => Promise<void>, output?: () => string) {
  return async () => {
    if (process.env.BENCH_DEBUG) process.stderr.write(`--- output (${output?.().length} chars):\n${output?.().slice(0, 3000)}\n`);
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode == null) child.kill("SIGKILL");
    await cleanup();
  };
}

/** Kindred with an open group `bench` and a member `reader`, on a fresh database. */
export async function startKindred(
  engine: Engine,
  options: {
    env?: Record<string, string>;
    seed?: (db: Kysely<Schema>, origin: URL) => Promise<void>;
    /** Queue worker processes beside one web process (PostgreSQL only); none: one process does both. */
    workers?: number;
  } = {},
): Promise<Target & { api: KindredApi; databaseUrl?: string }> {
  const workers = options.workers ?? 0;
  if (workers > 0 && engine !== "postgres") throw new Error("worker processes need PostgreSQL");
  const port = await freePort();
  const origin = new URL(`http://127.0.0.1:${port}`);
  const dataDir = mkdtempSync(join(tmpdir(), "kindred-bench-"));
  const scratch = engine === "postgres" ? await createScratchPostgres() : undefined;
  const database = await openDatabase(scratch ? { databaseUrl: scratch.url } : { dataDir });
  await migrateToLatest(database.db);
  await createGroup(database.db, origin, { slug: "bench", name: "Benchmark group", description: "Load." });
  await createAccount(database.db, origin, { username: "reader", password: "a long enough password" });
  await options.seed?.(database.db, origin);
  await database.close();
  const env = {
    PORT: String(port),
    HOST: "127.0.0.1",
    ORIGIN: origin.href,
    ALLOW_PRIVATE_ADDRESS: "true",
    // Load from one address and one member is the point here, not abuse.
    ...GENEROUS_RATE_LIMITS,
    // BENCH_CPU_PROF=DIR writes a V8 CPU profile of the Kindred process there.
    ...(process.env.BENCH_CPU_PROF ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF}` } : {}),
    // BENCH_HEAP_SNAPSHOTS=DIR: SIGUSR2 makes the Kindred process write a heap snapshot there.
    ...(process.env.BENCH_HEAP_SNAPSHOTS
      ? { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${process.env.BENCH_HEAP_SNAPSHOTS}` }
      : {}),
    ...(scratch ? { DATABASE_URL: scratch.url } : { DATA_DIR: dataDir }),
    ...options.env,
  };
  const { child, output } = spawnServer("src/main.ts", { ...env, ...(workers > 0 ? { NODE_TYPE: "web" } : {}) });
  const workerProcesses = Array.from({ length: workers }, () => spawnServer("src/main.ts", { ...env, NODE_TYPE: "worker" }));
  await waitUntilUp(new URL("/healthz", origin), child, output);
  const res = await fetch(new URL("/api/v1/sessions", origin), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "reader", password: "a long enough password" }),
  });
  const { token } = await res.json() as { token: string };
  const api: KindredApi = async (method, path, body) => {
    const res = await fetch(new URL(`/api/v1${path}`, origin), {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return await res.json();
  };
  const group = new URL("/@bench", origin);
  const actor = await (await fetch(group, { headers: { accept: "application/activity+json" } })).json() as { inbox: string };
  return {
    name: "kindred",
    engine,
    url: origin,
    pid: child.pid!,
    pids: [child.pid!, ...workerProcesses.map((w) => w.child.pid!)],
    layout: workers > 0 ? `1 web + ${workers} workers` : "1 process",
    group,
    inbox: new URL(actor.inbox),
    api,
    databaseUrl: scratch?.url,
    stop: stopper(child, async () => {
      await Promise.all(workerProcesses.map((w) => stopper(w.child, async () => {})()));
      await scratch?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }, output),
  };
}

/** The stock Fedify app, on PGlite in its process or on a fresh PostgreSQL database. */
export async function startBaseline(engine: Engine): Promise<Target & { stored(): Promise<number> }> {
  const port = await freePort();
  const origin = new URL(`http://127.0.0.1:${port}`);
  const scratch = engine === "postgres" ? await createScratchPostgres() : undefined;
  const { child, output } = spawnServer("bench/baseline/server.ts", {
    PORT: String(port),
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
  });
  await waitUntilUp(new URL("/count", origin), child, output);
  return {
    name: "fedify",
    engine,
    url: origin,
    pid: child.pid!,
    pids: [child.pid!],
    layout: "1 process",
    group: new URL("/users/bench", origin),
    inbox: new URL("/users/bench/inbox", origin),
    stored: async () => Number(await (await fetch(new URL("/count", origin))).text()),
    stop: stopper(child, async () => await scratch?.drop()),
  };
}
