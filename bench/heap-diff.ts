/**
 * What grew between two V8 heap snapshots (the soak's, BENCH_HEAP_SNAPSHOTS):
 * `node --import tsx bench/heap-diff.ts START.heapsnapshot END.heapsnapshot`.
 * Objects are grouped by their type and constructor (or, for strings and
 * code, by type alone); prints the 25 groups whose retained-by-self size
 * grew most, with their counts.
 */
import { readFileSync } from "node:fs";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function groups(path: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + typeAt]];
    const name = type === "object" || type === "closure" || type === "native"
      ? snap.strings[snap.nodes[i + nameAt]].slice(0, 60)
      : "";
    const key = `${type} ${name}`.trim();
    const g = out.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += snap.nodes[i + sizeAt];
    out.set(key, g);
  }
  return out;
}

const [startPath, endPath] = process.argv.slice(2);
if (!startPath || !endPath) {
  process.stderr.write("usage: heap-diff.ts START.heapsnapshot END.heapsnapshot\n");
  process.exit(2);
}
const start = groups(startPath);
const end = groups(endPath);
const total = (m: Map<string, { bytes: number }>) => [...m.values()].reduce((t, g) => t + g.bytes, 0);
const rows = [...end].map(([key, g]) => {
  const s = start.get(key) ?? { count: 0, bytes: 0 };
  return { key, count: g.count - s.count, bytes: g.bytes - s.bytes, endCount: g.count };
}).sort((a, b) => b.bytes - a.bytes).slice(0, 25);
const mib = (n: number) => (n / 1048576).toFixed(1);
process.stdout.write(`heap: ${mib(total(start))} MiB -> ${mib(total(end))} MiB\n`);
process.stdout.write("| grew (MiB) | objects added | objects at the end | type and constructor |\n| --- | --- | --- | --- |\n");
for (const r of rows) process.stdout.write(`| ${mib(r.bytes)} | ${r.count} | ${r.endCount} | ${r.key} |\n`);
