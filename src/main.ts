/**
 * Entry point: `npm start` (Node) or `deno task start` (Deno).
 * Web and all-in-one nodes serve HTTP; worker nodes only run the queue.
 */
import { getLogger } from "@logtape/logtape";
import { isConnectionLoss } from "../db/connection-loss.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { DataDirBusyError } from "./data-dir-lock.ts";
import { setupLogging, shutdownLogging } from "./logging.ts";
import { createKindred, type Kindred } from "./server.ts";
import { serveHttp } from "./serve.ts";

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`kindred: ${error.message}\n`);
  process.exit(2);
}
await setupLogging(config);
const logger = getLogger(["kindred", "server"]);

// postgres.js 3.4.9 starts each new connection with a look-up of the array
// types whose promise nobody holds: when PostgreSQL drops the connection
// during it, the rejection is unhandled.  That is a lost connection, which
// the pools recover from (db/postgres-dialect.ts), not a reason to die; any
// other unhandled rejection still ends the process, as by default.
process.on("unhandledRejection", (reason) => {
  if (!isConnectionLoss(reason)) throw reason;
  logger.warn("A database connection was lost outside any query: {reason}", { reason });
});

let kindred: Kindred;
try {
  kindred = await createKindred(config);
} catch (error) {
  if (!(error instanceof DataDirBusyError)) throw error;
  logger.fatal("{message}. Stop it first, or set DATA_DIR to another directory.", {
    message: error.message,
  });
  await shutdownLogging();
  process.exit(2);
}
const server = config.nodeType === "worker"
  ? undefined
  : await serveHttp(kindred.app.fetch, config.host, config.port);
if (server) {
  logger.info("Kindred serving {origin} on {host}:{port} ({engine}, node type {type})", {
    origin: config.origin.href,
    host: config.host,
    port: server.port,
    engine: kindred.database.engine,
    type: config.nodeType,
  });
} else {
  logger.info("Kindred worker running ({engine})", { engine: kindred.database.engine });
}

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("Received {signal}; shutting down", { signal });
  await server?.close();
  await kindred.close();
  await shutdownLogging();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
