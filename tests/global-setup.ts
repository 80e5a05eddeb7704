/**
 * Once per test run: a migrated PGlite cluster, dumped to a file that each
 * test file's database starts from (tests/helpers/database.ts).
 */
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateToLatest, openDatabase } from "../db/database.ts";

export default async function setup() {
  if (process.env.KINDRED_TEST_DB === "postgres") return;
  const path = join(tmpdir(), `kindred-pglite-template-${process.pid}.tar`);
  const database = await openDatabase();
  await migrateToLatest(database.db);
  const dump = await database.dumpDataDir!();
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  await database.close();
  process.env.KINDRED_TEST_PGLITE_TEMPLATE = path;
  return () => rmSync(path, { force: true });
}
