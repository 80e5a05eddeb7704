/**
 * Read paths at scale (issue #8, item 5): a Kindred process seeded with
 * `kindred seed`'s data (src/seed.ts; 1,000 groups, 100,000 threads,
 * 1,000,000 replies at scale 1), then the group page, a 300-reply thread
 * page, the directory and a directory search, each as an HTML page (an
 * anonymous reader) and through the JSON API (a member's bearer token).
 *
 * Times are measured by the client over loopback HTTP (keep-alive, one
 * request at a time), from sending the request to the last byte of the
 * body: Kindred sets no Server-Timing header, so this is server time plus
 * well under a millisecond of loopback and client work.  The Kindred
 * process's CPU time per request (/proc, 10 ms ticks) is reported beside it.
 */
import { seed, type SeedResult } from "../src/seed.ts";
import { cpuOf, type Engine, startKindred } from "./targets.ts";

export interface ReadsResult {
  engine: Engine;
  page: string;
  format: "HTML" | "JSON";
  p50: number;
  p95: number;
  runs: number;
  bytes: number;
  /** CPU time of the Kindred process per request (from /proc): less sensitive to a busy machine than wall time. */
  cpuMs: number;
}

export interface ReadsScale {
  groups: number;
  threads: number;
  replies: number;
}

/** Issue #8's scale, times `factor`. */
export function readsScale(factor: number): ReadsScale {
  return {
    groups: Math.max(2, Math.round(1_000 * factor)),
    threads: Math.max(2, Math.round(100_000 * factor)),
    replies: Math.max(300, Math.round(1_000_000 * factor)),
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function measure(url: URL, headers: Record<string, string>, runs: number, pid: number) {
  const times: number[] = [];
  let bytes = 0;
  let cpuStart = 0;
  for (let i = 0; i < runs + 10; i++) {
    if (i === 10) cpuStart = cpuOf(pid).total;
    const start = performance.now();
    const res = await fetch(url, { headers, redirect: "error" }); // a redirect would be measured twice
    const body = await res.arrayBuffer();
    const elapsed = performance.now() - start;
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${new TextDecoder().decode(body).slice(0, 300)}`);
    bytes = body.byteLength;
    if (i >= 10) times.push(elapsed); // the first ten warm up
  }
  const cpuMs = (cpuOf(pid).total - cpuStart) / runs;
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), bytes, cpuMs };
}

export async function benchReads(engine: Engine, runs: number, scale: ReadsScale): Promise<ReadsResult[]> {
  let seeded: SeedResult | undefined;
  const started = performance.now();
  let last = 0;
  const target = await startKindred(engine, {
    seed: async (db, origin) => {
      process.stderr.write(`  ${engine}: seeding ${scale.groups} groups, ${scale.threads} threads, ${scale.replies} replies\n`);
      seeded = await seed(db, origin, scale, (step, done) => {
        // One line per 10 % (a bench log is not a terminal).
        if (done * 10 >= last + 1 || done === 1) {
          last = Math.floor(done * 10);
          process.stderr.write(`  ${engine}: ${(done * 100).toFixed(0)}% ${step} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
        }
      });
    },
  });
  try {
    const s = seeded!;
    const res = await fetch(new URL("/api/v1/sessions", target.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "reader", password: "a long enough password" }),
    });
    const { token } = await res.json() as { token: string };
    const html = { accept: "text/html" };
    const json = { authorization: `Bearer ${token}`, accept: "application/json" };
    const pages: [string, "HTML" | "JSON", string, Record<string, string>][] = [
      ["group page", "HTML", `/@${s.bigGroup.slug}`, html],
      ["group page", "JSON", `/api/v1/groups/${s.bigGroup.actorId}/threads`, json],
      ["thread page (300 replies)", "HTML", `/p/${s.bigThreadId}`, html],
      ["thread page (300 replies)", "JSON", `/api/v1/posts/${s.bigThreadId}`, json],
      ["directory", "HTML", "/groups", html],
      ["directory", "JSON", "/api/v1/groups", json],
      ["search", "HTML", "/groups?q=diabetes+support", html],
      ["search", "JSON", "/api/v1/groups?q=diabetes+support", json],
    ];
    const results: ReadsResult[] = [];
    for (const [page, format, path, headers] of pages) {
      process.stderr.write(`  ${engine}: ${page} (${format}), ${runs} requests…\n`);
      const m = await measure(new URL(path, target.url), headers, runs, target.pid);
      results.push({ engine, page, format, runs, ...m });
    }
    return results;
  } finally {
    await target.stop();
  }
}
