/**
 * Inbox throughput (issue #8, item 3): signed `Create(Note)` replies into a
 * group from many simulated remote actors, at several concurrency levels,
 * against Kindred and the stock Fedify baseline in turn, on the same machine
 * in the same run.  Measures accepted-and-stored activities per second
 * (from the first request until the last one is stored), request latency,
 * and CPU per activity (whole process and main thread, from /proc).
 */
import { type SignedPost, sendAll, signedPost, startStubPeer, type StubPeer } from "./peers.ts";
import { cpuOfTarget, type Engine, startBaseline, startKindred, type Target } from "./targets.ts";

export interface InboxResult {
  server: string;
  layout: string;
  engine: Engine;
  concurrency: number;
  activities: number;
  perSecond: number;
  p50: number;
  p95: number;
  cpuMs: number;
  mainCpuMs: number;
  failed: number;
}

const ACTORS = 64;
const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every simulated actor follows the group; resolves once each has its Accept. */
async function join(target: Target, peer: StubPeer): Promise<void> {
  const follows = await Promise.all(Array.from({ length: ACTORS }, (_, n) =>
    signedPost(target.inbox, peer.actorUri(n), {
      "@context": AS,
      id: new URL(`follows/${n}`, peer.origin).href,
      type: "Follow",
      actor: peer.actorUri(n).href,
      object: target.group.href,
    })));
  await sendAll(follows, 4);
  await peer.waitFor("Accept", ACTORS);
}

function replies(target: Target, peer: StubPeer, threadUri: string, level: number, count: number): Promise<SignedPost[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => {
    const actor = peer.actorUri(i % ACTORS);
    const id = new URL(`notes/${level}-${i}`, peer.origin).href;
    return signedPost(target.inbox, actor, {
      "@context": AS,
      id: `${id}/create`,
      type: "Create",
      actor: actor.href,
      to: [PUBLIC],
      cc: [target.group.href],
      object: {
        id,
        type: "Note",
        attributedTo: actor.href,
        inReplyTo: threadUri,
        to: [PUBLIC],
        cc: [target.group.href],
        audience: target.group.href,
        content: `<p>Reply ${i} at concurrency ${level}: thank you, this helped me a lot.</p>`,
        published: new Date().toISOString(),
      },
    });
  }));
}

async function measureTarget(
  target: Target,
  stored: () => Promise<number>,
  threadUri: string,
  concurrencies: number[],
  perLevel: number,
): Promise<InboxResult[]> {
  const peer = await startStubPeer(ACTORS);
  try {
    await join(target, peer);
    const results: InboxResult[] = [];
    for (const concurrency of concurrencies) {
      process.stderr.write(`    ${target.name} (${target.engine}): ${perLevel} activities at concurrency ${concurrency}…\n`);
      const posts = await replies(target, peer, threadUri, concurrency, perLevel);
      const before = await stored();
      const cpu0 = cpuOfTarget(target);
      const t0 = performance.now();
      const { latencies, failed } = await sendAll(posts, concurrency);
      await waitUntil(async () => (await stored()) >= before + perLevel - failed, `${target.name}: stored`);
      const seconds = (performance.now() - t0) / 1000;
      const cpu1 = cpuOfTarget(target);
      results.push({
        server: target.name === "kindred" ? "Kindred" : "stock Fedify",
        layout: target.layout,
        engine: target.engine,
        concurrency,
        activities: perLevel,
        perSecond: (perLevel - failed) / seconds,
        p50: percentile(latencies, 0.5),
        p95: percentile(latencies, 0.95),
        cpuMs: (cpu1.total - cpu0.total) / perLevel,
        mainCpuMs: (cpu1.main - cpu0.main) / perLevel,
        failed,
      });
    }
    return results;
  } finally {
    await peer.close();
  }
}

export async function benchInbox(
  engine: Engine,
  concurrencies = [1, 8, 32],
  perLevel = 400,
  only?: string,
  workers = 0,
): Promise<InboxResult[]> {
  const results: InboxResult[] = [];
  if (only !== "kindred") {
    const baseline = await startBaseline(engine);
    try {
      results.push(...await measureTarget(baseline, baseline.stored, `${baseline.url.href}notes/thread`, concurrencies, perLevel));
    } finally {
      await baseline.stop();
    }
  }
  if (only === "fedify") return results;
  const kindred = await startKindred(engine, { workers });
  try {
    const api = kindred.api;
    const { group } = await api("POST", "/groups/follow", { handle: kindred.group.href });
    const { post } = await api("POST", `/groups/${group.id}/threads`, { title: "Load", body: "Replies welcome." });
    const stored = async () => {
      const { threads } = await api("GET", `/groups/${group.id}/threads`);
      return threads.find((t: { id: number }) => t.id === post.id)?.replyCount ?? 0;
    };
    results.push(...await measureTarget(kindred, stored, post.uri, concurrencies, perLevel));
  } finally {
    await kindred.stop();
  }
  return results;
}
