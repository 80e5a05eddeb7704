/**
 * A fresh, migrated database for one test file, on the engine named by
 * KINDRED_TEST_DB: "pglite" (default, in memory) or "postgres" (a new
 * database on the server at KINDRED_TEST_PG_URL, dropped afterwards).
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import postgres from "postgres";
import { type Database, migrateToLatest, openDatabase } from "../../db/database.ts";

export const testEngine = process.env.KINDRED_TEST_DB === "postgres" ? "postgres" : "pglite";
export const adminUrl = process.env.KINDRED_TEST_PG_URL ??
  "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase extends Database {
  /** Connection URL when the engine is postgres (for child processes). */
  readonly url?: string;
  /** Closes and, on postgres, drops the database. */
  dispose(): Promise<void>;
}

/** Creates an empty PostgreSQL database and returns its URL and a dropper. */
export async function createScratchPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kindred_t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export async function createTestDatabase(
  engine: "pglite" | "postgres" = testEngine,
): Promise<TestDatabase> {
  if (engine === "postgres") {
    const scratch = await createScratchPostgres();
    const database = await openDatabase({ databaseUrl: scratch.url, poolSize: 5 });
    await migrateToLatest(database.db);
    return {
      ...database,
      url: scratch.url,
      async dispose() {
        await database.close();
        await scratch.drop();
      },
    };
  }
  // A migrated cluster dumped once per run (tests/global-setup.ts) loads in
  // well under a second; a fresh one takes seconds to initialise.
  const template = process.env.KINDRED_TEST_PGLITE_TEMPLATE;
  const database = await openDatabase({
    loadDataDir: template && existsSync(template) ? new Blob([readFileSync(template)]) : undefined,
  });
  await migrateToLatest(database.db);
  return { ...database, dispose: () => database.close() };
}
