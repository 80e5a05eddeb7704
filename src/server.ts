/**
 * Assembles a Kindred process: database (migrated), Fedify
 * (federation-setup.ts), and the Hono app.  The queue is started here only on
 * worker nodes (`NODE_TYPE=worker|all`); web nodes only enqueue.
 */
import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { Hono } from "hono";
import { type Database, migrateToLatest, openDatabase } from "../db/database.ts";
import type { ContextData } from "../federation/context.ts";
import type { KyselyMessageQueue } from "../federation/message-queue.ts";
import { listenAdminSocket } from "./admin-socket.ts";
import type { AppEnv } from "./app-env.ts";
import { createApp } from "./app.ts";
import { loadInstruments } from "./outcome-instruments.ts";
import type { Config } from "./config.ts";
import { acquireDataDirLock, adminSocketPath } from "./data-dir-lock.ts";
import { buildFederation } from "./federation-setup.ts";
import { startDeletionDeliveries } from "../federation/account-deletion.ts";
import { startEmailNotifications } from "./email-notifications.ts";
import { startDirectoryRefresh } from "../federation/group-directory.ts";

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
  // Outcome-measure instruments: a broken file stops start-up, naming it, before anything is opened.
  const instruments = await loadInstruments();
  // Embedded PGlite belongs to one process: lock its directory, and let the
  // CLI reach this process over the admin socket instead.
  const ownsDatabase = !database;
  const embedded = ownsDatabase && !config.databaseUrl;
  const releaseLock = embedded ? acquireDataDirLock(config.dataDir) : () => {};
  database ??= await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sharedBuffersMb: config.pgliteSharedBuffersMb,
    poolSize: config.databasePoolSize,
  });
  const migrations = await migrateToLatest(database.db);
  for (const m of migrations.results ?? []) {
    logger.info("Applied migration {name}", { name: m.migrationName });
  }
  const { federation, queue, contextData, fedify } = await buildFederation(config, database);
  const stopQueue = new AbortController();
  let queueDone: Promise<void> = Promise.resolve();
  if (config.nodeType !== "web") {
    queueDone = federation.startQueue(contextData, { signal: stopQueue.signal });
    // Account erasures' Deletes, tracked per inbox (federation/account-deletion.ts).
    startDeletionDeliveries(fedify, stopQueue.signal);
    // Notification emails, immediate and digests (src/email-notifications.ts).
    startEmailNotifications({ mail: config.mail, origin: config.origin, instanceName: config.instanceName, fedify }, stopQueue.signal);
    // Peers' group directories, every DIRECTORY_REFRESH_HOURS (federation/group-directory.ts).
    startDirectoryRefresh(fedify, stopQueue.signal, config.directoryRefreshHours);
    logger.info("Queue worker started ({n} at a time)", { n: config.queueConcurrency });
  }
  const app = createApp({ config, federation, contextData, fedify, instruments });
  const closeAdminSocket = embedded
    ? await listenAdminSocket(adminSocketPath(config.dataDir), {
      db: database.db,
      origin: config.origin,
      fedify,
      retentionInactiveDays: config.retentionInactiveDays,
      mail: config.mail,
      instanceName: config.instanceName,
    })
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
