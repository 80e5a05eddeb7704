/**
 * Fan-out (issue #8, item 4): a post in a group whose followers live on
 * 1,000 simulated instances (loopback HTTP servers, each a shared inbox),
 * plus 10 unreachable instances (closed ports).  Measures the time for the
 * posting call to return, the time until every reachable instance has
 * received the post, and CPU per delivery (from /proc).  Kindred's group
 * has 10,000 followers, 10 per instance, seeded in its database; the stock
 * Fedify baseline gets one follower per instance through real Follows.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { publicKeyPem, sendAll, signedPost, stubHandler } from "./peers.ts";
import { cpuOfTarget, type Engine, startBaseline, startKindred, type Target } from "./targets.ts";
import { freePort } from "../tests/helpers/instance.ts";

export interface FanoutResult {
  server: string;
  layout: string;
  engine: Engine;
  instances: number;
  followers: number;
  deliveries: number;
  callMs: number;
  allReceivedMs: number;
  cpuMsPerDelivery: number;
  mainCpuMsPerDelivery: number;
}

/** Many tiny instances: each serves `/u/0` … and counts POSTs to `/inbox`. */
class Swarm {
  servers: Server[] = [];
  /** Activities received per instance (index), by type. */
  received: Map<string, number>[] = [];

  async start(count: number, actorsEach: number, publicKeyPem: string) {
    for (let i = 0; i < count; i++) {
      const received = new Map<string, number>();
      this.received.push(received);
      const server = createServer(stubHandler(actorsEach, publicKeyPem, received));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
      this.servers.push(server);
    }
  }

  origin(i: number): URL {
    return new URL(`http://127.0.0.1:${(this.servers[i].address() as AddressInfo).port}/`);
  }

  count(type: string): number {
    return this.received.filter((r) => (r.get(type) ?? 0) > 0).length;
  }

  total(): number {
    return this.received.reduce((n, r) => n + [...r.values()].reduce((a, b) => a + b, 0), 0);
  }

  waitFor(check: () => boolean, what: string, timeoutMs = 300_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        if (check()) {
          clearInterval(timer);
          resolve();
        } else if (Date.now() > deadline) {
          clearInterval(timer);
          reject(new Error(`timed out: ${what}`));
        }
      }, 5);
    });
  }

  async close() {
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }
}

const INSTANCES = Number(process.env.BENCH_FANOUT_INSTANCES ?? 1000);
const PER_INSTANCE = 10;
const UNREACHABLE = 10;

async function measure(
  target: Target,
  swarm: Swarm,
  engine: Engine,
  followers: number,
  publish: () => Promise<unknown>,
  type: string,
  perInstance: number,
): Promise<FanoutResult> {
  const before = swarm.total();
  const cpu0 = cpuOfTarget(target);
  const t0 = performance.now();
  await publish();
  const callMs = performance.now() - t0;
  await swarm.waitFor(() => swarm.count(type) >= INSTANCES, `${target.name}: every instance`);
  const allReceivedMs = performance.now() - t0;
  // Wait for the rest of the deliveries (Kindred sends two Announces) before reading the CPU.
  await swarm.waitFor(() => swarm.total() - before >= INSTANCES * perInstance, `${target.name}: all deliveries`);
  const cpu1 = cpuOfTarget(target);
  const deliveries = swarm.total() - before;
  return {
    server: target.name === "kindred" ? "Kindred" : "stock Fedify",
    layout: target.layout,
    engine,
    instances: INSTANCES,
    followers,
    deliveries,
    callMs,
    allReceivedMs,
    cpuMsPerDelivery: (cpu1.total - cpu0.total) / deliveries,
    mainCpuMsPerDelivery: (cpu1.main - cpu0.main) / deliveries,
  };
}

export async function benchFanout(
  engine: Engine,
  options: { only?: "kindred" | "fedify"; workers?: number } = {},
): Promise<FanoutResult[]> {
  const results: FanoutResult[] = [];
  const pem = await publicKeyPem();

  // Stock Fedify: one follower per instance, who follows for real.
  if (options.only !== "kindred") {
    const swarm = new Swarm();
    await swarm.start(INSTANCES + UNREACHABLE, 1, pem);
    const baseline = await startBaseline(engine);
    try {
      process.stderr.write(`    fedify (${engine}): ${INSTANCES + UNREACHABLE} followers follow…\n`);
      const follows = await Promise.all(swarm.servers.map((_, i) =>
        signedPost(baseline.inbox, new URL("u/0", swarm.origin(i)), {
          "@context": "https://www.w3.org/ns/activitystreams",
          id: new URL("follow", swarm.origin(i)).href,
          type: "Follow",
          actor: new URL("u/0", swarm.origin(i)).href,
          object: baseline.group.href,
        })));
      await sendAll(follows, 8);
      await swarm.waitFor(() => swarm.count("Accept") >= INSTANCES + UNREACHABLE, "baseline: accepts", 600_000);
      // The last ten instances go down before the post.
      await Promise.all(swarm.servers.slice(INSTANCES).map((s) => new Promise((r) => s.close(r))));
      swarm.servers = swarm.servers.slice(0, INSTANCES);
      swarm.received = swarm.received.slice(0, INSTANCES);
      process.stderr.write(`    fedify (${engine}): one post to ${INSTANCES} instances…\n`);
      results.push(await measure(baseline, swarm, engine, INSTANCES + UNREACHABLE, () =>
        fetch(new URL("/publish", baseline.url), { method: "POST" }).then((r) => r.arrayBuffer()), "Create", 1));
    } finally {
      await baseline.stop();
      await swarm.close();
    }
  }

  // Kindred: 10 followers per instance, seeded; ten more instances that never answer.
  if (options.only !== "fedify") {
    const swarm = new Swarm();
    await swarm.start(INSTANCES, PER_INSTANCE, pem);
    const dead = await Promise.all(Array.from({ length: UNREACHABLE }, () => freePort()));
    const origins = [...swarm.servers.map((_, i) => swarm.origin(i)), ...dead.map((p) => new URL(`http://127.0.0.1:${p}/`))];
    process.stderr.write(`    kindred (${engine}): seeding ${origins.length * PER_INSTANCE} followers…\n`);
    const kindred = await startKindred(engine, {
      workers: options.workers,
      async seed(db) {
        const group = await db.selectFrom("actors").select("id").where("username", "=", "bench").where("local", "=", true)
          .executeTakeFirstOrThrow();
        const rows = origins.flatMap((o) => Array.from({ length: PER_INSTANCE }, (_, n) => ({
          uri: new URL(`u/${n}`, o).href,
          type: "Person" as const,
          local: false,
          username: `fan${n}`,
          host: o.host,
          inbox_url: new URL(`u/${n}/inbox`, o).href,
          shared_inbox_url: new URL("inbox", o).href,
        })));
        for (let i = 0; i < rows.length; i += 1000) {
          const ids = await db.insertInto("actors").values(rows.slice(i, i + 1000)).returning("id").execute();
          await db.insertInto("follows")
            .values(ids.map(({ id }) => ({ follower_id: id, followee_id: group.id, state: "accepted" as const, activity_uri: null })))
            .execute();
        }
      },
    });
    try {
      const { group } = await kindred.api("POST", "/groups/follow", { handle: kindred.group.href });
      process.stderr.write(`    kindred (${engine}): one post to ${INSTANCES} instances…\n`);
      results.push(await measure(kindred, swarm, engine, origins.length * PER_INSTANCE, () =>
        kindred.api("POST", `/groups/${group.id}/threads`, { title: "Clinic news", body: "The support evening moves to Thursday." }),
        "Announce", 2));
    } finally {
      await kindred.stop();
      await swarm.close();
    }
  }
  return results;
}
