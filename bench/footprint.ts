/**
 * Footprint (issue #8, item 7): how long a Kindred process takes from start
 * to its first served request, on a fresh database (migrations included) and
 * again on the same database (a restart), and its resident memory at rest
 * and after page loads, after the restart.  Memory after 30 minutes of
 * mixed load is the soak's (`npm run soak`, docs/BENCHMARKS.md "Soak").
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createScratchPostgres } from "../tests/helpers/database.ts";
import { freePort, GENEROUS_RATE_LIMITS } from "../tests/helpers/instance.ts";
import { type Engine, rssOf, spawnServer, waitUntilUp } from "./targets.ts";

export interface FootprintResult {
  engine: Engine;
  firstStartMs: number;
  restartMs: number;
  restMiB: number;
  warmMiB: number;
  requests: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchFootprint(engine: Engine, requests = 500): Promise<FootprintResult> {
  const port = await freePort();
  const origin = new URL(`http://127.0.0.1:${port}`);
  const dataDir = mkdtempSync(join(tmpdir(), "kindred-footprint-"));
  const scratch = engine === "postgres" ? await createScratchPostgres() : undefined;
  const start = async () => {
    const t0 = performance.now();
    const server = spawnServer("src/main.ts", {
      PORT: String(port),
      HOST: "127.0.0.1",
      ORIGIN: origin.href,
      ...GENEROUS_RATE_LIMITS,
      ...(scratch ? { DATABASE_URL: scratch.url } : { DATA_DIR: dataDir }),
    });
    await waitUntilUp(new URL("/healthz", origin), server.child, server.output);
    return { ...server, ms: performance.now() - t0 };
  };
  const stop = async (child: import("node:child_process").ChildProcess) => {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  };
  try {
    const first = await start();
    await stop(first.child);
    const again = await start();
    try {
      process.stderr.write(`    ${engine}: up in ${first.ms.toFixed(0)} ms, then ${again.ms.toFixed(0)} ms; resting…\n`);
      await sleep(5000);
      const restMiB = rssOf(again.child.pid!);
      process.stderr.write(`    ${engine}: ${requests} page loads…\n`);
      const pages = ["/", "/groups", "/guidelines", "/login", "/nodeinfo/2.1"];
      for (let i = 0; i < requests; i++) {
        const res = await fetch(new URL(pages[i % pages.length], origin));
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${pages[i % pages.length]}: ${res.status}`);
      }
      await sleep(2000);
      return { engine, firstStartMs: first.ms, restartMs: again.ms, restMiB, warmMiB: rssOf(again.child.pid!), requests };
    } finally {
      await stop(again.child);
    }
  } finally {
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
