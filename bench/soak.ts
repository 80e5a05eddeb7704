/**
 * Soak (issue #7, item 4): `npm run soak`.  A Kindred process (on a scratch
 * PostgreSQL database, or PGlite with SOAK_ENGINE=pglite) under mixed load
 * for SOAK_MINUTES (default 30):
 *
 * - inbound: signed `Create(Note)` replies from 24 simulated remote actors
 *   on three simulated instances (bench/peers.ts), about 5 a second;
 * - outbound: a local member's new thread every 5 s, which the group
 *   announces to its followers on those three instances;
 * - page loads: the group page and a thread page, about 5 a second.
 *
 * Every 10 s it samples the errors (non-2xx answers, failed requests), the
 * RSS of the Kindred process (/proc), and the queue depth (rows in
 * `queue_messages`; PostgreSQL only), and prints a line.  At the end it
 * waits up to a minute for the queue to drain, prints the table and writes
 * it into docs/BENCHMARKS.md between the soak markers (not with
 * SOAK_RECORD=0, for short runs).  It asserts nothing.
 *
 * BENCH_HEAP_SNAPSHOTS=DIR: the Kindred process writes a heap snapshot there
 * after the first minute and another at the end, to compare what grew
 * (bench/heap-diff.ts).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { arch, cpus, totalmem } from "node:os";
import postgres from "postgres";
import { sendAll, signedPost, startStubPeer, type StubPeer } from "./peers.ts";
import { type Engine, startKindred } from "./targets.ts";

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const SNAPSHOTS = process.env.BENCH_HEAP_SNAPSHOTS;
const ENGINE = (process.env.SOAK_ENGINE ?? "postgres") as Engine;
const SAMPLE_MS = 10_000;
// The commit the run starts on: the code under test (commits may land during a soak).
const commit = (() => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown"; // not a checkout
  }
})();
const ACTORS = 8;
const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;

interface Sample {
  at: number; // seconds since start
  inbound: number;
  outbound: number;
  pages: number;
  errors: number;
  rssMiB: number;
  queue: number | null;
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(line?.replace(/\D+/g, "") ?? 0) / 1024;
}

const counts = { inbound: 0, outbound: 0, pages: 0, errors: 0 };
const errorKinds = new Map<string, number>();
function failed(kind: string) {
  counts.errors++;
  errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
}

async function every(ms: number, until: number, task: () => Promise<void>): Promise<void> {
  while (Date.now() < until) {
    const t0 = Date.now();
    await task().catch((error) => failed(`${(error as Error).name}`));
    await new Promise((r) => setTimeout(r, Math.max(0, ms - (Date.now() - t0))));
  }
}

async function main() {
  process.stderr.write(`soak: ${MINUTES} min on ${ENGINE}\n`);
  const kindred = await startKindred(ENGINE);
  const peers: StubPeer[] = await Promise.all([1, 2, 3].map(() => startStubPeer(ACTORS)));
  const queueSql = kindred.databaseUrl ? postgres(kindred.databaseUrl, { max: 1, onnotice: () => {} }) : undefined;
  try {
    // Every simulated actor follows the group (and so receives its Announces).
    for (const peer of peers) {
      const follows = await Promise.all(Array.from({ length: ACTORS }, (_, n) =>
        signedPost(kindred.inbox, peer.actorUri(n), {
          "@context": AS, id: new URL(`follows/${n}`, peer.origin).href, type: "Follow",
          actor: peer.actorUri(n).href, object: kindred.group.href,
        })));
      await sendAll(follows, 4);
      await peer.waitFor("Accept", ACTORS);
    }
    const { group } = await kindred.api("POST", "/groups/follow", { handle: kindred.group.href });
    const { post: thread } = await kindred.api("POST", `/groups/${group.id}/threads`, {
      title: "Soak", body: "Replies welcome.",
    });

    const start = Date.now();
    const until = start + MINUTES * 60_000;
    let n = 0;
    const inbound = async () => {
      const i = n++;
      const peer = peers[i % peers.length];
      const actor = peer.actorUri(i % ACTORS);
      const id = new URL(`notes/${i}`, peer.origin).href;
      const p = await signedPost(kindred.inbox, actor, {
        "@context": AS, id: `${id}/create`, type: "Create", actor: actor.href, to: [PUBLIC], cc: [kindred.group.href],
        object: {
          id, type: "Note", attributedTo: actor.href, inReplyTo: thread.uri, to: [PUBLIC],
          cc: [kindred.group.href], audience: kindred.group.href,
          content: `<p>Reply ${i}: pacing helped me this week.</p>`, published: new Date().toISOString(),
        },
      });
      const res = await fetch(p.url, { method: "POST", body: p.body, headers: p.headers });
      await res.arrayBuffer();
      if (res.status >= 300) failed(`inbox ${res.status}`);
      else counts.inbound++;
    };
    let m = 0;
    const outbound = async () => {
      await kindred.api("POST", `/groups/${group.id}/threads`, { title: `Update ${m}`, body: `News number ${m++}.` });
      counts.outbound++;
    };
    let k = 0;
    const pages = async () => {
      const path = k++ % 2 === 0 ? `/g/${group.id}` : `/p/${thread.id}`;
      const res = await fetch(new URL(path, kindred.url));
      await res.arrayBuffer();
      if (res.status >= 300) failed(`page ${res.status}`);
      else counts.pages++;
    };

    const samples: Sample[] = [];
    const queueDepth = async () => queueSql
      ? Number((await queueSql`select count(*)::int as n from queue_messages`)[0].n)
      : null;
    const sample = async () => {
      const s: Sample = {
        at: Math.round((Date.now() - start) / 1000), ...counts, rssMiB: rssMiB(kindred.pid), queue: await queueDepth(),
      };
      samples.push(s);
      process.stderr.write(`${line(s)}\n`);
    };
    process.stderr.write(`${header()}\n`);
    await sample();
    const snapshot = async (what: string) => {
      if (!SNAPSHOTS) return;
      const before = new Set(readdirSync(SNAPSHOTS));
      process.kill(kindred.pid, "SIGUSR2");
      const fresh = () => readdirSync(SNAPSHOTS).find((f) => !before.has(f));
      for (let i = 0; i < 600 && !fresh(); i++) await new Promise((r) => setTimeout(r, 500));
      // The file grows while it is written: done when its size holds still.
      let size = -1;
      for (let i = 0; i < 600; i++) {
        await new Promise((r) => setTimeout(r, 2000));
        const now = fresh() ? statSync(`${SNAPSHOTS}/${fresh()}`).size : 0;
        if (now > 0 && now === size) break;
        size = now;
      }
      process.stderr.write(`heap snapshot (${what}): ${SNAPSHOTS}/${fresh()}\n`);
    };
    setTimeout(() => void snapshot("start"), 60_000);
    await Promise.all([
      every(200, until, inbound),
      every(5_000, until, outbound),
      every(200, until, pages),
      every(SAMPLE_MS, until, async () => {
        await new Promise((r) => setTimeout(r, SAMPLE_MS));
        await sample();
      }),
    ]);
    // Let the queue drain (Announces still going out), then a last sample.
    const drainDeadline = Date.now() + 60_000;
    while (queueSql && (await queueDepth())! > 0 && Date.now() < drainDeadline) {
      await new Promise((r) => setTimeout(r, 1000));
    }
    await snapshot("end");
    await sample();
    const delivered = peers.reduce((t, p) => t + (p.received.get("Announce") ?? 0), 0);
    writeResults(samples, delivered);
  } finally {
    await queueSql?.end();
    await Promise.all(peers.map((p) => p.close()));
    await kindred.stop();
  }
}

function header(): string {
  return "| t (s) | inbound | outbound | pages | errors | RSS (MiB) | queue rows |\n| --- | --- | --- | --- | --- | --- | --- |";
}

function line(s: Sample): string {
  return `| ${s.at} | ${s.inbound} | ${s.outbound} | ${s.pages} | ${s.errors} | ${s.rssMiB.toFixed(0)} | ${s.queue ?? "n/a"} |`;
}

function writeResults(samples: Sample[], delivered: number) {
  const first = samples[0], last = samples.at(-1)!;
  // Compare the RSS of the second and last thirds: warm-up is over by then.
  const third = Math.max(1, Math.floor(samples.length / 3));
  const avg = (xs: Sample[]) => xs.reduce((t, s) => t + s.rssMiB, 0) / xs.length;
  const step = Math.max(1, Math.ceil(samples.length / 30));
  const shown = samples.filter((_, i) => i % step === 0 || i === samples.length - 1);
  const short = MINUTES < 30 ? ` **A short run (${MINUTES} min) to check the script works; the full soak is 30 minutes.**` : "";
  const text = [
    `Last run: ${new Date().toISOString().slice(0, 10)}, commit ${commit}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? arch()}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${ENGINE}, ${MINUTES} min.${short}`,
    "",
    `Totals: ${last.inbound} inbound replies, ${last.outbound} new threads (${delivered} Announces delivered to ` +
    `the simulated instances), ${last.pages} page loads, ${last.errors} errors` +
    (errorKinds.size ? ` (${[...errorKinds].map(([k, v]) => `${k}: ${v}`).join(", ")})` : "") + ". " +
    `RSS ${first.rssMiB.toFixed(0)} MiB at the start, ${avg(samples.slice(third, 2 * third)).toFixed(0)} MiB on average ` +
    `in the second third, ${avg(samples.slice(-third)).toFixed(0)} MiB in the last; queue rows at the end: ${last.queue ?? "n/a"}.`,
    "",
    "Counts are cumulative; the last row is after the queue drained." + (step > 1 ? ` Every ${step}th sample is shown.` : ""),
    "",
    header(),
    ...shown.map(line),
  ].join("\n");
  process.stdout.write(`\n${text}\n`);
  if (process.env.SOAK_RECORD === "0") return;
  const path = new URL("../docs/BENCHMARKS.md", import.meta.url);
  const doc = readFileSync(path, "utf8");
  const replaced = doc.replace(/<!-- soak:start -->[\s\S]*<!-- soak:end -->/, `<!-- soak:start -->\n${text}\n<!-- soak:end -->`);
  writeFileSync(path, replaced);
}

await main();
