/**
 * Page benchmark: server time of the group page and of a 300-reply thread
 * page with 10,000 threads in the group, on PGlite and on PostgreSQL.
 * Requests go straight to the app's fetch handler (no network), so the
 * numbers are Kindred's own time.  `npm run bench` (see bench/run.ts).
 */
import { sql } from "kysely";
import { createAccount } from "../src/accounts.ts";
import { loadConfig } from "../src/config.ts";
import { createGroup } from "../src/groups.ts";
import { createKindred } from "../src/server.ts";
import { createTestDatabase } from "../tests/helpers/database.ts";

export interface Result {
  engine: string;
  page: string;
  p50: number;
  p95: number;
  runs: number;
}

const THREADS = 10_000;
const REPLIES = 300;

async function seed(db: Parameters<typeof createGroup>[0], origin: URL) {
  await createGroup(db, origin, { slug: "bench", name: "Benchmark group", description: "Seeded." });
  await createAccount(db, origin, { username: "seeder", password: "a long enough password" });
  const { rows } = await sql<{ group_id: number; author_id: number }>`
    select (select id from actors where username = 'bench') as group_id,
           (select id from actors where username = 'seeder') as author_id`.execute(db);
  const { group_id, author_id } = rows[0];
  await sql`
    insert into posts (uri, group_id, author_id, title, content_html, source, local, published_at, last_activity_at)
    select ${origin.href} || 'seed/' || i, ${group_id}, ${author_id}, 'Seeded thread ' || i,
           '<p>Seeded content ' || i || '</p>', 'Seeded content ' || i, true,
           now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval
    from generate_series(1, ${THREADS}) as i`.execute(db);
  const { rows: root } = await sql<{ id: number }>`select min(id) as id from posts`.execute(db);
  await sql`
    insert into posts (uri, group_id, author_id, parent_id, thread_id, depth, content_html, source, local, published_at)
    select ${origin.href} || 'seed-reply/' || i, ${group_id}, ${author_id}, ${root[0].id}, ${root[0].id}, 1,
           '<p>Reply ' || i || '</p>', 'Reply ' || i, true, now() - (i || ' seconds')::interval
    from generate_series(1, ${REPLIES}) as i`.execute(db);
  await sql`update posts set reply_count = ${REPLIES} where id = ${root[0].id}`.execute(db);
  await sql`analyze`.execute(db);
  return root[0].id;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function measure(fetch: (r: Request) => Promise<Response>, url: URL, runs: number) {
  const times: number[] = [];
  for (let i = 0; i < runs + 10; i++) {
    const start = performance.now();
    const res = await fetch(new Request(url, { headers: { Accept: "text/html" } }));
    await res.text();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    if (i >= 10) times.push(performance.now() - start); // the first ten warm up
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
}

export async function benchPages(engine: "pglite" | "postgres", runs = 200): Promise<Result[]> {
  const database = await createTestDatabase(engine);
  const config = loadConfig({ ORIGIN: "http://bench.invalid", LOG_LEVEL: "warning" });
  const kindred = await createKindred({ ...config, nodeType: "web" }, database);
  try {
    process.stderr.write(`  ${engine}: seeding ${THREADS} threads and ${REPLIES} replies…\n`);
    const rootId = await seed(database.db, config.origin);
    const fetch = async (r: Request) => await kindred.app.fetch(r);
    const results: Result[] = [];
    for (const [page, path] of [["group page (10,000 threads)", "/@bench"], [`thread page (${REPLIES} replies)`, `/p/${rootId}`]]) {
      process.stderr.write(`  ${engine}: ${page}, ${runs} requests…\n`);
      const { p50, p95 } = await measure(fetch, new URL(path, config.origin), runs);
      results.push({ engine, page, p50, p95, runs });
    }
    return results;
  } finally {
    await kindred.close();
    await database.dispose();
  }
}
