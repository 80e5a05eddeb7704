/**
 * A queue worker process for tests/queue-workers.test.ts.
 *
 * Usage: node --import tsx tests/helpers/queue-worker.ts DATABASE_URL NAME [CONCURRENCY]
 *
 * Drains the KyselyMessageQueue of that PostgreSQL database, recording every
 * handled message `{ n }` as a row (n, NAME) of the table `handled`, until
 * SIGTERM; then finishes the messages in hand and exits 0.  Prints "ready"
 * once it listens.
 */
import { sql } from "kysely";
import { openDatabase } from "../../db/database.ts";
import { KyselyMessageQueue } from "../../federation/message-queue.ts";

const [url, name, concurrency = "4"] = process.argv.slice(2);
if (url == null || name == null) {
  process.stderr.write("usage: queue-worker.ts DATABASE_URL NAME [CONCURRENCY]\n");
  process.exit(2);
}

const database = await openDatabase({ databaseUrl: url, poolSize: Number(concurrency) + 2 });
const queue = new KyselyMessageQueue(database, {
  concurrency: Number(concurrency),
  pollIntervalMs: 200,
});
const controller = new AbortController();
process.once("SIGTERM", () => controller.abort());

const listening = queue.listen(async (message: { n: number }) => {
  await sql`insert into handled (n, worker) values (${message.n}, ${name})`.execute(database.db);
}, { signal: controller.signal });
process.stdout.write("ready\n");
await listening;
await database.close();
