import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { migrateToLatest, openDatabase } from "../db/database.ts";
import { KyselyMessageQueue } from "../federation/message-queue.ts";
import { createScratchPostgres } from "./helpers/database.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const TOTAL = 10_000;

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  exit: Promise<number | null>;
  stderr: () => string;
}

function spawnWorker(url: string, name: string): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/helpers/queue-worker.ts", url, name],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => String(chunk).includes("ready") && resolve());
    exit.then((code) => reject(new Error(`worker ${name} exited (${code}) early:\n${stderr}`)));
  });
  return { child, ready, exit, stderr: () => stderr };
}

// Processes cannot share a PGlite, so this always runs on a PostgreSQL server.
describe("KyselyMessageQueue with several worker processes (postgres)", () => {
  it(`handles each of ${TOTAL} messages exactly once across two processes`, async () => {
    const scratch = await createScratchPostgres();
    const database = await openDatabase({ databaseUrl: scratch.url, poolSize: 2 });
    const workers: Worker[] = [];
    try {
      await migrateToLatest(database.db);
      await sql`create table handled (n int not null, worker text not null)`.execute(database.db);
      // Every claim and delete is a commit; on a slow-fsync CI disk that, not
      // the queue, would dominate.  Durability is not what this test checks.
      await sql.raw(`alter database "${new URL(scratch.url).pathname.slice(1)}" set synchronous_commit = off`)
        .execute(database.db);
      workers.push(spawnWorker(scratch.url, "w1"), spawnWorker(scratch.url, "w2"));
      await Promise.all(workers.map((w) => w.ready));

      const queue = new KyselyMessageQueue(database);
      for (let batch = 0; batch < TOTAL / 1000; batch++) {
        await queue.enqueueMany(Array.from({ length: 1000 }, (_, i) => ({ n: batch * 1000 + i })));
      }
      // Stands in for autovacuum, which would analyse this churning table
      // within a minute in production, but not within this test.
      await sql`analyze queue_messages`.execute(database.db);
      const deadline = Date.now() + 45_000;
      while ((await queue.getDepth()).queued > 0 || await handledCount() < TOTAL) {
        if (Date.now() > deadline) throw new Error(`not drained:\n${workers.map((w) => w.stderr())}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const w of workers) w.child.kill("SIGTERM");
      expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0]);

      const { rows: [stats] } = await sql<{ total: number; distinct: number; lo: number; hi: number }>`
        select count(*)::int as total, count(distinct n)::int as distinct, min(n) as lo, max(n) as hi
        from handled`.execute(database.db);
      expect(stats).toEqual({ total: TOTAL, distinct: TOTAL, lo: 0, hi: TOTAL - 1 });
      const { rows: perWorker } = await sql<{ worker: string; n: number }>`
        select worker, count(*)::int as n from handled group by worker order by worker`
        .execute(database.db);
      // Both processes really took part.
      expect(perWorker.map((r) => r.worker)).toEqual(["w1", "w2"]);
      for (const { n } of perWorker) expect(n).toBeGreaterThan(TOTAL / 10);
      expect(Number((await sql<{ n: number }>`select count(*) as n from queue_messages`
        .execute(database.db)).rows[0].n)).toBe(0);
    } finally {
      for (const w of workers) if (w.child.exitCode == null) w.child.kill("SIGKILL");
      await database.close();
      await scratch.drop();
    }

    async function handledCount(): Promise<number> {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from handled`
        .execute(database.db);
      return rows[0].n;
    }
  });
});
