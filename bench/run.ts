/**
 * `npm run bench`: runs the benchmarks, prints a table per scenario, and
 * rewrites each scenario's results section of docs/BENCHMARKS.md.  A
 * benchmark, not a test: it asserts nothing, and CI does not run it.
 *
 *   BENCH_SCENARIOS=pages,inbox   which scenarios (default: pages,reads,inbox,fanout,scaleout,footprint)
 *   BENCH_ENGINES=pglite,postgres which databases (default: both)
 *   BENCH_RUNS=200                page requests per page
 *   BENCH_INBOX=400               activities per concurrency level
 *   BENCH_FANOUT_INSTANCES=1000   simulated instances following the group
 *   BENCH_READS_SCALE=1           reads: fraction of 1,000 groups / 100,000 threads / 1,000,000 replies
 *   BENCH_READS_SCALE_PGLITE      the same on PGlite only (default: BENCH_READS_SCALE)
 *   BENCH_CPU_PROF=DIR            write a CPU profile of each Kindred process there
 */
import { execSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { benchFanout, type FanoutResult } from "./fanout.ts";
import { benchFootprint, type FootprintResult } from "./footprint.ts";
import { benchInbox, type InboxResult } from "./inbox.ts";
import { benchPages, type Result } from "./pages.ts";
import { benchReads, readsScale, type ReadsResult } from "./reads.ts";

const scenarios = (process.env.BENCH_SCENARIOS ?? "pages,reads,inbox,fanout,scaleout,footprint").split(",");
const engines = (process.env.BENCH_ENGINES ?? "pglite,postgres").split(",") as ("pglite" | "postgres")[];
const runs = Number(process.env.BENCH_RUNS ?? 200);
const inboxCount = Number(process.env.BENCH_INBOX ?? 400);

const commit = (() => {
  try {
    return execSync("git rev-parse --short HEAD").toString().trim();
  } catch {
    return "unknown";
  }
})();
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const path = new URL("../docs/BENCHMARKS.md", import.meta.url);
const ms = (n: number) => n.toFixed(2);

/** Prints a table and puts it between `<!-- NAME:start -->` and `<!-- NAME:end -->` in docs/BENCHMARKS.md. */
function record(name: string, rows: string[]) {
  const table = rows.join("\n");
  process.stdout.write(`\n${table}\n`);
  const section = `<!-- ${name}:start -->\nLast run: ${new Date().toISOString().slice(0, 10)}, commit ${commit}, ${machine}.\n\n${table}\n<!-- ${name}:end -->`;
  const doc = readFileSync(path, "utf8");
  const marker = new RegExp(`<!-- ${name}:start -->[\\s\\S]*<!-- ${name}:end -->`);
  writeFileSync(path, doc.replace(marker, section));
}

if (scenarios.includes("pages")) {
  process.stderr.write("pages\n");
  const results: Result[] = [];
  for (const engine of engines) results.push(...await benchPages(engine, runs));
  record("pages", [
    "| engine | page | p50 (ms) | p95 (ms) | requests |",
    "| --- | --- | --- | --- | --- |",
    ...results.map((r) => `| ${r.engine} | ${r.page} | ${ms(r.p50)} | ${ms(r.p95)} | ${r.runs} |`),
  ]);
}

if (scenarios.includes("reads")) {
  process.stderr.write("reads\n");
  const results: (ReadsResult & { scale: string })[] = [];
  for (const engine of engines) {
    const factor = Number((engine === "pglite" ? process.env.BENCH_READS_SCALE_PGLITE : undefined) ??
      process.env.BENCH_READS_SCALE ?? 1);
    const scale = readsScale(factor);
    const label = `${scale.groups} / ${scale.threads} / ${scale.replies}`;
    results.push(...(await benchReads(engine, runs, scale)).map((r) => ({ ...r, scale: label })));
  }
  record("reads", [
    "| engine | groups / threads / replies | page | format | p50 (ms) | p95 (ms) | CPU ms / request | bytes | requests |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...results.map((r) =>
      `| ${r.engine} | ${r.scale} | ${r.page} | ${r.format} | ${ms(r.p50)} | ${ms(r.p95)} | ${r.cpuMs.toFixed(1)} | ${r.bytes} | ${r.runs} |`
    ),
  ]);
}

if (scenarios.includes("inbox")) {
  process.stderr.write("inbox\n");
  const results: InboxResult[] = [];
  for (const engine of engines) results.push(...await benchInbox(engine, [1, 8, 32], inboxCount));
  record("inbox", [
    "| server | engine | concurrency | activities/s | p50 (ms) | p95 (ms) | CPU ms / activity | main-thread CPU ms / activity | refused |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...results.map((r) =>
      `| ${r.server} | ${r.engine} | ${r.concurrency} | ${r.perSecond.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p95)} | ${r.cpuMs.toFixed(1)} | ${r.mainCpuMs.toFixed(1)} | ${r.failed} |`
    ),
  ]);
}

if (scenarios.includes("fanout")) {
  process.stderr.write("fanout\n");
  const results: FanoutResult[] = [];
  for (const engine of engines) results.push(...await benchFanout(engine));
  record("fanout", [
    "| server | engine | instances | followers | deliveries | call returns (ms) | all instances reached (ms) | CPU ms / delivery | main-thread CPU ms / delivery |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...results.map((r) =>
      `| ${r.server} | ${r.engine} | ${r.instances} | ${r.followers} | ${r.deliveries} | ${r.callMs.toFixed(0)} | ${r.allReceivedMs.toFixed(0)} | ${r.cpuMsPerDelivery.toFixed(2)} | ${r.mainCpuMsPerDelivery.toFixed(2)} |`
    ),
  ]);
}

if (scenarios.includes("scaleout") && engines.includes("postgres")) {
  // One process against one web process and two queue workers on one PostgreSQL.
  process.stderr.write("scaleout\n");
  const inbox: InboxResult[] = [];
  const fanout: FanoutResult[] = [];
  for (const workers of [0, 2]) {
    inbox.push(...await benchInbox("postgres", [32], inboxCount, "kindred", workers));
    fanout.push(...await benchFanout("postgres", { only: "kindred", workers }));
  }
  record("scaleout", [
    "| layout | inbox at 32: activities/s | p95 (ms) | CPU ms / activity (all processes) | fan-out: call returns (ms) | all instances reached (ms) | CPU ms / delivery (all processes) |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...inbox.map((r, i) =>
      `| ${r.layout} | ${r.perSecond.toFixed(0)} | ${ms(r.p95)} | ${r.cpuMs.toFixed(1)} | ${fanout[i].callMs.toFixed(0)} | ${fanout[i].allReceivedMs.toFixed(0)} | ${fanout[i].cpuMsPerDelivery.toFixed(2)} |`
    ),
  ]);
}

if (scenarios.includes("footprint")) {
  process.stderr.write("footprint\n");
  const results: FootprintResult[] = [];
  for (const engine of engines) results.push(await benchFootprint(engine));
  record("footprint", [
    "| engine | first start to first request (ms) | restart to first request (ms) | RSS at rest (MiB) | RSS after page loads (MiB) | page loads |",
    "| --- | --- | --- | --- | --- | --- |",
    ...results.map((r) =>
      `| ${r.engine} | ${r.firstStartMs.toFixed(0)} | ${r.restartMs.toFixed(0)} | ${r.restMiB.toFixed(0)} | ${r.warmMiB.toFixed(0)} | ${r.requests} |`
    ),
  ]);
}
