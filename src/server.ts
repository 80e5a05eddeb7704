/**
 * Assembles a Kindred process: database (migrated), Fedify built with our
 * KV store and queue, and the Hono app.  The queue is started here only on
 * worker nodes (`NODE_TYPE=worker|all`); web nodes only enqueue.
 */
import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { Hono } from "hono";
import { type Database, migrateToLatest, openDatabase } from "../db/database.ts";
import { builder } from "../federation/builder.ts";
import { type ContextData, SOFTWARE } from "../federation/context.ts";
import { KyselyKvStore } from "../federation/kv-store.ts";
import { KyselyMessageQueue } from "../federation/message-queue.ts";
import { deliveryRetryPolicy } from "../federation/retry.ts";
import { listenAdminSocket } from "./admin-socket.ts";
import type { AppEnv } from "./app-env.ts";
import { createApp } from "./app.ts";
import type { Config } from "./config.ts";
import { acquireDataDirLock, adminSocketPath } from "./data-dir-lock.ts";

const logger = getLogger(["kindred", "server"]);

export interface Kindred {
  config: Config;
  database: Database;
  federation: Federation<ContextData>;
  contextData: ContextData;
  app: Hono<AppEnv>;
  queue: KyselyMessageQueue;
  /** Stops the queue worker (finishing the message in hand) and closes the database. */
  close(): Promise<void>;
}

/**
 * Starts a Kindred process.  `database` lets tests pass one they made;
 * otherwise it is opened from the configuration.
 */
export async function createKindred(config: Config, database?: Database): Promise<Kindred> {
  // Embedded PGlite belongs to one process: lock its directory, and let the
  // CLI reach this process over the admin socket instead.
  const ownsDatabase = !database;
  const embedded = ownsDatabase && !config.databaseUrl;
  const releaseLock = embedded ? acquireDataDirLock(config.dataDir) : () => {};
  database ??= await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
  });
  const migrations = await migrateToLatest(database.db);
  for (const m of migrations.results ?? []) {
    logger.info("Applied migration {name}", { name: m.migrationName });
  }
  // The queue runs handlers concurrently itself; Fedify's ParallelMessageQueue
  // would return before the work is done, defeating leases and ordering keys.
  const queue = new KyselyMessageQueue(database, { concurrency: config.queueConcurrency });
  const federation = await builder.build({
    kv: new KyselyKvStore(database.db),
    queue,
    origin: config.origin.href,
    manuallyStartQueue: true,
    allowPrivateAddress: config.allowPrivateAddress,
    userAgent: { software: `Kindred/${SOFTWARE.version}`, url: config.origin },
    outboxRetryPolicy: deliveryRetryPolicy(),
  });
  const contextData: ContextData = { db: database.db, instanceName: config.instanceName };
  const stopQueue = new AbortController();
  let queueDone: Promise<void> = Promise.resolve();
  if (config.nodeType !== "web") {
    queueDone = federation.startQueue(contextData, { signal: stopQueue.signal });
    logger.info("Queue worker started ({n} at a time)", { n: config.queueConcurrency });
  }
  const app = createApp({ config, federation, contextData });
  const closeAdminSocket = embedded
    ? await listenAdminSocket(adminSocketPath(config.dataDir), database.db, config.origin)
    : async () => {};
  return {
    config,
    database,
    federation,
    contextData,
    app,
    queue,
    async close() {
      stopQueue.abort();
      await queueDone.catch(() => {});
      await closeAdminSocket();
      if (ownsDatabase) await database.close();
      releaseLock();
    },
  };
}
