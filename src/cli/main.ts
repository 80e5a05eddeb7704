/**
 * `kindred` command line.  With PostgreSQL, or with embedded PGlite when no
 * server is running, it opens the database itself; while a server holds the
 * embedded database it sends the command to that server instead.
 */
import { text } from "node:stream/consumers";
import { migrateToLatest, openDatabase } from "../../db/database.ts";
import { adminSocketPath, acquireDataDirLock, lockHolder } from "../data-dir-lock.ts";
import { sendAdminCommand } from "../admin-socket.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { buildFederation } from "../federation-setup.ts";
import { runCommand, USAGE } from "./commands.ts";

const argv = process.argv.slice(2);
const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  if (argv.length === 0 || ["help", "--help", "-h"].includes(argv[0])) {
    out(USAGE);
    return 0;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      err(`kindred: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const readPassword = () => text(process.stdin);

  const holder = config.databaseUrl ? undefined : lockHolder(config.dataDir);
  if (holder) {
    const password = argv.includes("--password-stdin") ? await readPassword() : undefined;
    const result = await sendAdminCommand(adminSocketPath(config.dataDir), { argv, password })
      .catch(() => undefined);
    if (!result) {
      err(`kindred: process ${holder} is using the embedded database in ${config.dataDir} ` +
        `and does not take commands (another kindred command?); try again when it has finished.`);
      return 1;
    }
    result.stdout.forEach(out);
    result.stderr.forEach(err);
    return result.code;
  }

  const release = config.databaseUrl ? () => {} : acquireDataDirLock(config.dataDir);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sharedBuffersMb: config.pgliteSharedBuffersMb,
    poolSize: 2,
  });
  try {
    const migrated = await migrateToLatest(database.db);
    for (const m of migrated.results ?? []) out(`Applied migration ${m.migrationName}`);
    // What a command sends is queued in the database for the server's workers.
    const { fedify } = await buildFederation(config, database);
    return await runCommand(argv, {
      db: database.db,
      origin: config.origin,
      fedify,
      out,
      err,
      readPassword,
      // A bar redrawn in place on a terminal; lines otherwise.
      progress: process.stderr.isTTY
        ? (line) => process.stderr.write(line ? `\r${line}` : "\n")
        : (line) => line && err(line),
      retentionInactiveDays: config.retentionInactiveDays,
      mail: config.mail,
      instanceName: config.instanceName,
    });
  } finally {
    await database.close();
    release();
  }
}

process.exitCode = await main();
