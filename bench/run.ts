/**
 * `npm run bench`: runs the benchmarks, prints a table, and rewrites the
 * results section of docs/BENCHMARKS.md.  A benchmark, not a test: it
 * asserts nothing, and CI does not run it.
 */
import { execSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { benchPages, type Result } from "./pages.ts";

const engines = (process.env.BENCH_ENGINES ?? "pglite,postgres").split(",") as ("pglite" | "postgres")[];
const runs = Number(process.env.BENCH_RUNS ?? 200);
const results: Result[] = [];
for (const engine of engines) results.push(...await benchPages(engine, runs));

const commit = (() => {
  try {
    return execSync("git rev-parse --short HEAD").toString().trim();
  } catch {
    return "unknown";
  }
})();
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const table = [
  "| engine | page | p50 (ms) | p95 (ms) | requests |",
  "| --- | --- | --- | --- | --- |",
  ...results.map((r) => `| ${r.engine} | ${r.page} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.runs} |`),
].join("\n");
const section = `<!-- results:start -->\nLast run: ${new Date().toISOString().slice(0, 10)}, commit ${commit}, ${machine}.\n\n${table}\n<!-- results:end -->`;
process.stdout.write(`\n${table}\n`);

const path = new URL("../docs/BENCHMARKS.md", import.meta.url);
const doc = readFileSync(path, "utf8");
writeFileSync(path, doc.replace(/<!-- results:start -->[\s\S]*<!-- results:end -->/, section));
