/**
 * Opens the database: embedded PGlite when no URL is given, a PostgreSQL
 * server through postgres.js otherwise.  Both are driven by the same Kysely
 * queries and the same migrations.
 */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { type MigrationResultSet, Migrator } from "kysely/migration";
import { getLogger } from "@logtape/logtape";
import { migrations } from "./migrations/index.ts";
import { PGliteDialect } from "./pglite-dialect.ts";
import { ResilientPostgres, ResilientPostgresDialect } from "./postgres-dialect.ts";
import type { Schema } from "./schema.ts";

export type Engine = "pglite" | "postgres";

export interface DatabaseOptions {
  /** A `postgres://` URL; when absent, embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; `undefined` keeps the database in memory. */
  dataDir?: string;
  /** Connections in the postgres.js pool. */
  poolSize?: number;
  /** PGlite only: start from this dump (`dumpDataDir()`) instead of an empty cluster. */
  loadDataDir?: Blob;
  /**
   * PGlite only: `shared_buffers` in MB.  The pool lives in the WebAssembly
   * memory, which never shrinks: PostgreSQL's 128 MB default made an idle
   * embedded server about 100 MB larger than 16 MB does.  32 by default.
   */
  sharedBuffersMb?: number;
}

/** A handle on the database: the Kysely instance plus what Kysely lacks. */
export interface Database {
  readonly engine: Engine;
  readonly db: Kysely<Schema>;
  /** Subscribes to `NOTIFY` on a channel; resolves to an unsubscribe function. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** PGlite only: the whole cluster as a tarball, for `loadDataDir`. */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

// int8 (counts, bigint ids) as JS numbers on both engines: PGlite already
// does this, postgres.js returns strings by default.
const bigintAsNumber = {
  to: 20,
  from: [20],
  serialize: (x: number | bigint) => x.toString(),
  parse: (x: string) => Number(x),
};

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  if (options.databaseUrl) {
    const logger = getLogger(["kindred", "database"]);
    const pools = new ResilientPostgres({
      url: options.databaseUrl,
      options: {
        max: options.poolSize ?? 10,
        connect_timeout: 10,
        onnotice: () => {},
        types: { bigint: bigintAsNumber },
      },
      onRetire: (retirements) =>
        logger.warn("A PostgreSQL connection was closed by the server; queries in flight on the " +
          "pool fail and new ones use a fresh pool (retirement {retirements}).", { retirements }),
    });
    const db = new Kysely<Schema>({ dialect: new ResilientPostgresDialect(pools) });
    return {
      engine: "postgres",
      db,
      async listen(channel, onNotify) {
        const sub = await pools.listen(channel, onNotify);
        return () => sub.unlisten();
      },
      async close() {
        // Queries still running get five seconds, then their connections
        // are closed: a stuck query must not hold up shutdown forever.
        await pools.end(5);
        await db.destroy();
      },
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pg = await PGlite.create({
    dataDir: options.dataDir,
    loadDataDir: options.loadDataDir,
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${options.sharedBuffersMb ?? 32}MB`],
  });
  const db = new Kysely<Schema>({ dialect: new PGliteDialect(pg) });
  return {
    engine: "pglite",
    db,
    async listen(channel, onNotify) {
      const unsubscribe = await pg.listen(channel, onNotify);
      return () => unsubscribe();
    },
    dumpDataDir: () => pg.dumpDataDir("none"),
    async close() {
      await db.destroy();
    },
  };
}

/** Applies every pending migration; throws with the failing one's name. */
export async function migrateToLatest(db: Kysely<Schema>): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error");
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`Migration ${failed?.migrationName ?? "(unknown)"} failed: ${cause}`, {
      cause: result.error,
    });
  }
  return result;
}
