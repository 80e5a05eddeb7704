/**
 * Every list query reads large tables through an index (issue #8, item 5):
 * a seeded database (tens of thousands of posts, actors, follows, votes and
 * notifications), then each list query the pages and the federation use is
 * captured as Kysely compiles it and run under EXPLAIN; a sequential scan of
 * a large table fails the test, naming the query.
 */
import { CompiledQuery, type KyselyPlugin, type QueryId, type RootOperationNode, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listOutbox } from "../db/activities.ts";
import { listActiveBans } from "../db/bans.ts";
import { listPendingFollowers, listRemoteFollowers } from "../db/follows.ts";
import { listModerationLog } from "../db/moderation-log.ts";
import { listNotifications } from "../db/notifications.ts";
import { listThreadPostCards, listThreadPostViews, listThreadViews, listPinnedThreadViews } from "../db/posts.ts";
import { listHeldPosts } from "../db/premoderation.ts";
import { threadPageRange } from "../db/thread-pages.ts";
import { listReports } from "../db/reports.ts";
import { listGroupThreads, listPinnedGroupThreads, searchGroups } from "../db/web-groups.ts";
import { listMemberships, votesOf } from "../db/web-members.ts";
import { createAccount } from "../src/accounts.ts";
import { createGroup } from "../src/groups.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";

const THREADS = 20_000;
const REPLIES = 300;
const ACTORS = 50_000;
const LARGE = ["posts", "actors", "follows", "votes", "notifications"];

let database: TestDatabase;
const ids = { group: 0, otherGroup: 0, member: 0, account: 0, thread: 0, reply: 0 };

/** Captures the queries Kysely runs, as it compiles them. */
class Capture implements KyselyPlugin {
  nodes: { node: RootOperationNode; queryId: QueryId }[] = [];
  transformQuery(args: { node: RootOperationNode; queryId: QueryId }) {
    this.nodes.push(args);
    return args.node;
  }
  transformResult<T>(args: { result: T }) {
    return Promise.resolve(args.result);
  }
}

/** The tables a plan reads with a sequential scan. */
function seqScans(plan: unknown, found: string[] = []): string[] {
  if (Array.isArray(plan)) for (const p of plan) seqScans(p, found);
  else if (plan && typeof plan === "object") {
    const node = plan as Record<string, unknown>;
    if (node["Node Type"] === "Seq Scan") found.push(String(node["Relation Name"]));
    for (const value of Object.values(node)) if (typeof value === "object") seqScans(value, found);
  }
  return found;
}

async function plansOf(run: (db: TestDatabase["db"]) => Promise<unknown>): Promise<{ sql: string; scans: string[] }[]> {
  const capture = new Capture();
  const db = database.db.withPlugin(capture);
  await run(db);
  const out = [];
  for (const { node, queryId } of capture.nodes) {
    if (node.kind !== "SelectQueryNode") continue;
    const compiled = database.db.getExecutor().compileQuery(node, queryId);
    const { rows } = await database.db.executeQuery<{ "QUERY PLAN": unknown }>(
      CompiledQuery.raw(`explain (format json) ${compiled.sql}`, [...compiled.parameters]),
    );
    const raw = rows[0]["QUERY PLAN"];
    const plan = typeof raw === "string" ? JSON.parse(raw) : raw;
    out.push({ sql: compiled.sql, scans: seqScans(plan) });
  }
  expect(out.length, "the query ran and was captured").toBeGreaterThan(0);
  return out;
}

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  const origin = new URL("http://local.test");
  await createGroup(db, origin, { slug: "big", name: "Big group", description: "Seeded." });
  await createGroup(db, origin, { slug: "other", name: "Other group", description: "Seeded." });
  await createAccount(db, origin, { username: "reader", password: "a long enough password" });
  await sql`
    insert into actors (uri, type, local, username, host, inbox_url, shared_inbox_url)
    select 'http://peer' || (i % 500) || '.test/u/' || i, 'Person', false, 'u' || i, 'peer' || (i % 500) || '.test',
           'http://peer' || (i % 500) || '.test/u/' || i || '/inbox', 'http://peer' || (i % 500) || '.test/inbox'
    from generate_series(1, ${ACTORS}) as i`.execute(db);
  const { rows } = await sql<{ g: number; o: number; m: number; a: number }>`
    select (select id from actors where username = 'big') as g, (select id from actors where username = 'other') as o,
           (select id from actors where username = 'reader') as m, (select id from accounts where username = 'reader') as a`
    .execute(db);
  Object.assign(ids, { group: rows[0].g, otherGroup: rows[0].o, member: rows[0].m, account: rows[0].a });
  await sql`
    insert into follows (follower_id, followee_id, state)
    select id, ${ids.group}, case when id % 50 = 0 then 'pending' else 'accepted' end from actors where not local`
    .execute(db);
  await sql`insert into follows (follower_id, followee_id, state) values (${ids.member}, ${ids.group}, 'accepted')`
    .execute(db);
  await sql`
    insert into posts (uri, group_id, author_id, title, content_html, local, published_at, last_activity_at)
    select 'http://peer1.test/p/' || i, case when i % 10 = 0 then ${ids.otherGroup}::int else ${ids.group}::int end,
           (select min(id) from actors where not local) + (i % ${ACTORS}::int), 'Thread ' || i, '<p>x</p>', false,
           now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval
    from generate_series(1, ${THREADS}) as i`.execute(db);
  const { rows: t } = await sql<{ id: number }>`select min(id) as id from posts where group_id = ${ids.group}`.execute(db);
  ids.thread = t[0].id;
  await sql`
    insert into posts (uri, group_id, author_id, parent_id, thread_id, depth, content_html, local, published_at)
    select 'http://peer2.test/r/' || i, ${ids.group}, (select min(id) from actors where not local) + i, ${ids.thread},
           ${ids.thread}, 1, '<p>r</p>', false, now() - (i || ' seconds')::interval
    from generate_series(1, ${REPLIES}) as i`.execute(db);
  const { rows: r } = await sql<{ id: number }>`select max(id) as id from posts where thread_id = ${ids.thread}`.execute(db);
  ids.reply = r[0].id;
  await sql`
    insert into votes (post_id, actor_id, value)
    select p.id, a.id, 1 from (select id from posts order by id limit 200) p
    cross join (select id from actors where not local order by id limit 50) a`.execute(db);
  await sql`
    insert into notifications (account_id, kind, actor_id, post_id)
    select ${ids.account}, 'reply', ${ids.member}, id from posts order by id limit 10000`.execute(db);
  await sql`analyze`.execute(db);
}, 180_000);

afterAll(() => database?.dispose());

const queries: [string, (db: TestDatabase["db"]) => Promise<unknown>][] = [
  ["group page threads (active)", (db) => listGroupThreads(db, ids.group, "active", undefined)],
  ["group page threads (new)", (db) => listGroupThreads(db, ids.group, "new", undefined)],
  ["group page threads (top)", (db) => listGroupThreads(db, ids.group, "top", undefined)],
  ["pinned threads", (db) => listPinnedGroupThreads(db, ids.group)],
  ["API thread list", (db) => listThreadViews(db, ids.group, { limit: 50 })],
  ["featured collection", (db) => listPinnedThreadViews(db, ids.group)],
  ["thread page", (db) => listThreadPostCards(db, ids.thread)],
  ["thread (API, context)", (db) => listThreadPostViews(db, ids.thread)],
  ["thread page's replies (the page holding a reply)", (db) =>
    threadPageRange(db, ids.thread, { actorId: ids.member, moderator: false }, { holding: ids.reply }, 100)],
  ["thread page's replies (after a reply)", (db) =>
    threadPageRange(db, ids.thread, { moderator: true }, { after: ids.reply - 150 }, 100)],
  ["thread page's replies (before a reply)", (db) =>
    threadPageRange(db, ids.thread, { moderator: false }, { before: ids.reply - 150 }, 100)],
  ["thread page, one page", async (db) => {
    const range = await threadPageRange(database.db, ids.thread, { moderator: false }, { after: ids.reply - 150 }, 100);
    return listThreadPostCards(db, ids.thread, range);
  }],
  ["thread (API), one page", async (db) => {
    const range = await threadPageRange(database.db, ids.thread, { moderator: false }, undefined, 100);
    return listThreadPostViews(db, ids.thread, range);
  }],
  ["group directory", (db) => searchGroups(db, undefined)],
  ["group search", (db) => searchGroups(db, "big")],
  ["followers (delivery)", (db) => listRemoteFollowers(db, ids.group)],
  ["pending requests", (db) => listPendingFollowers(db, ids.group)],
  ["memberships", (db) => listMemberships(db, ids.member)],
  ["votes on a page", (db) => votesOf(db, ids.member, [ids.thread, ids.thread + 1])],
  ["notifications", (db) => listNotifications(db, ids.account)],
  ["moderation log", (db) => listModerationLog(db, ids.group)],
  ["reports", (db) => listReports(db, ids.group)],
  ["held posts", (db) => listHeldPosts(db, ids.group)],
  ["bans", (db) => listActiveBans(db, ids.group)],
  ["outbox", (db) => listOutbox(db, ids.member)],
];

describe("list queries on a large database", () => {
  it.each(queries)("%s reads no large table sequentially", async (name, run) => {
    for (const { sql: text, scans } of await plansOf(run)) {
      const large = scans.filter((t) => LARGE.includes(t));
      expect(large, `${name}: sequential scan of ${large.join(", ")} in\n${text}`).toEqual([]);
    }
  });

  it("keeps each group's member count as members join, are accepted and leave", async () => {
    const { db } = database;
    const count = async () =>
      (await db.selectFrom("actors").select("follower_count").where("id", "=", ids.otherGroup).executeTakeFirstOrThrow())
        .follower_count;
    const before = await count();
    await db.insertInto("follows").values({ follower_id: ids.member, followee_id: ids.otherGroup, state: "pending" }).execute();
    expect(await count()).toBe(before);
    await db.updateTable("follows").set({ state: "accepted" })
      .where("follower_id", "=", ids.member).where("followee_id", "=", ids.otherGroup).execute();
    expect(await count()).toBe(before + 1);
    await db.deleteFrom("follows").where("follower_id", "=", ids.member).where("followee_id", "=", ids.otherGroup).execute();
    expect(await count()).toBe(before);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from follows where followee_id = ${ids.group} and state = 'accepted'`.execute(db);
    const big = await db.selectFrom("actors").select("follower_count").where("id", "=", ids.group).executeTakeFirstOrThrow();
    expect(big.follower_count).toBe(rows[0].n);
  });

  it("would notice a sequential scan", async () => {
    const found = await plansOf((db) => db.selectFrom("posts").select("id").where("content_html", "=", "<p>r</p>").execute());
    expect(found[0].scans).toContain("posts");
  });
});
