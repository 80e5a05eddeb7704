/**
 * Builds Fedify for a process: our KV store and queue on the database, the
 * origin, a user agent and our retry policy.  The queue is never started
 * here; server.ts starts it on worker nodes.  The CLI builds the same, so
 * what it sends is queued for the server's workers.
 */
import type { Context, Federation } from "@fedify/fedify";
import type { Database } from "../db/database.ts";
import { builder } from "../federation/builder.ts";
import { type ContextData, SOFTWARE } from "../federation/context.ts";
import { MEMOISED_KV_PREFIXES, MemoKvStore } from "../federation/kv-memo.ts";
import { KyselyKvStore } from "../federation/kv-store.ts";
import { GroupFanoutQueue } from "../federation/group-fanout.ts";
import { KyselyMessageQueue } from "../federation/message-queue.ts";
import { PolicyFilteredQueue } from "../federation/policy-queue.ts";
import { circuitBreakerOptions, deliveryRetryPolicy } from "../federation/retry.ts";
import type { Config } from "./config.ts";

export interface FederationSetup {
  federation: Federation<ContextData>;
  queue: KyselyMessageQueue;
  contextData: ContextData;
  /** A context for sending and fetching outside a request. */
  fedify(): Context<ContextData>;
}

export async function buildFederation(
  config: Pick<
    Config,
    "origin" | "allowPrivateAddress" | "queueConcurrency" | "queueLeaseSeconds" | "timeScale" | "instanceName"
  >,
  database: Database,
): Promise<FederationSetup> {
  // The queue runs handlers concurrently itself; Fedify's ParallelMessageQueue
  // would return before the work is done, defeating leases and ordering keys.
  const queue = new KyselyMessageQueue(database, {
    concurrency: config.queueConcurrency,
    lockTimeoutMs: config.queueLeaseSeconds * 1000,
  });
  // The federation policy is applied again when a message is dequeued, so
  // that deliveries queued before a block are not sent; a group's fan-out
  // message becomes one delivery per inbox when a worker takes it.
  const fedifyQueue = new GroupFanoutQueue(new PolicyFilteredQueue(queue, database.db), database.db);
  const federation = await builder.build({
    // What Fedify reads on every delivery is memoised in process (kv-memo.ts).
    kv: new MemoKvStore(new KyselyKvStore(database.db), { prefixes: MEMOISED_KV_PREFIXES, ttlMs: 60_000, maxEntries: 2000 }),
    queue: fedifyQueue,
    origin: config.origin.href,
    manuallyStartQueue: true,
    allowPrivateAddress: config.allowPrivateAddress,
    userAgent: { software: `Kindred/${SOFTWARE.version}`, url: config.origin },
    outboxRetryPolicy: deliveryRetryPolicy(true, config.timeScale),
    circuitBreaker: circuitBreakerOptions(config.timeScale),
  });
  const contextData: ContextData = {
    db: database.db,
    instanceName: config.instanceName,
    queue: fedifyQueue,
    allowPrivateAddress: config.allowPrivateAddress,
  };
  // Made once: it depends on nothing of a request (a Fedify context holds the
  // origin, the data and two loaders), and making one builds two URLPatterns
  // for its loaders' caches, which cost a group page a millisecond per call.
  let context: Context<ContextData> | undefined;
  // Followers' NodeInfo is fetched under the same rules as any remote document.
  fedifyQueue.loader = (context ??= federation.createContext(config.origin, contextData)).documentLoader;
  return {
    federation,
    queue,
    contextData,
    fedify: () => context ??= federation.createContext(config.origin, contextData),
  };
}
