/**
 * Every list query reads large tables through an index (issue #8, item 5).
 *
 * The database is filled by `kindred seed` (src/seed.ts: 100 groups, 20,000
 * members, half of them local accounts, their memberships, 20,000 threads,
 * 40,000 nested replies, votes, and the notifications the reply trigger
 * writes), then ANALYZEd; each list query the pages, the API and the
 * federation use is captured as Kysely compiles it and run under EXPLAIN,
 * twice:
 *
 * 1. As the planner chooses.  The tables hold tens of thousands of rows
 *    with real statistics, so a sequential scan of one of them is not the
 *    cheap choice for a tiny table: it means the query has no usable index,
 *    or asks for too much.  Fails the test, naming the query and the table.
 * 2. With `enable_seqscan = off`.  This does not forbid sequential scans: it
 *    makes them so costly that the planner takes any index path there is, so
 *    a sequential scan left in the plan proves that no index can serve the
 *    query at all, whatever the size of the table.  This pass also covers
 *    the tables that are small here but grow in production (groups, group
 *    staff, reports, the moderation log, the access log, feedback...).
 *
 * Neither pass proves a query fast (an index scan may still read a whole
 * index): bench/reads.ts measures that at full scale.  Every query is also
 * checked for OFFSET: pagination is keyset only.
 */
import { CompiledQuery, type KyselyPlugin, type QueryId, type RootOperationNode, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAccessLog } from "../db/access-log.ts";
import { countOutbox, listOutbox } from "../db/activities.ts";
import { listActiveBans, listBlockedActors, listSuspendedAccounts } from "../db/bans.ts";
import { unansweredThreads, weeklyActivity } from "../db/dashboard.ts";
import { countOpenFeedback, listFeedback } from "../db/feedback.ts";
import { listFollowedRemoteGroups, listPendingFollowers, listRemoteFollowers } from "../db/follows.ts";
import { listGroupResources } from "../db/group-resources.ts";
import { listGroupStaff } from "../db/groups.ts";
import { listMediaOf } from "../db/media.ts";
import { listListedGroups, searchRemoteEntries } from "../db/directory.ts";
import { listModerationLog } from "../db/moderation-log.ts";
import { countUnread, listNotifications, listNotificationsByIds } from "../db/notifications.ts";
import { listEmailCandidates, listEmailDetails, listUnemailed } from "../db/email-settings.ts";
import { listPinnedThreadViews, listThreadPostCards, listThreadPostViews, listThreadViews } from "../db/posts.ts";
import { countHeldPosts, countPublishedPosts, listHeldPosts } from "../db/premoderation.ts";
import { threadPageRange } from "../db/thread-pages.ts";
import { countOpenReports, listReports } from "../db/reports.ts";
import { listGroupThreads, listPinnedGroupThreads, searchGroups, type ThreadSort } from "../db/web-groups.ts";
import { listMemberships, votesOf } from "../db/web-members.ts";
import { memberTypesOf } from "../db/member-types.ts";
import {
  collectOutcomeData,
  consentCounts,
  findCurrentQuestionnaire,
  listOwnAnswers,
  listParticipation,
  listSummaries,
  researchAnswers,
} from "../db/outcomes.ts";
import { seed, type SeedResult } from "../src/seed.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";

/** Tables with tens of thousands of rows here: pass 1 fails on a sequential scan of one. */
const LARGE = ["posts", "actors", "accounts", "follows", "votes", "notifications"];
/** Tables that grow in production: pass 2 (seqscan off) fails when no index can serve a query on one. */
const INDEXED = [
  ...LARGE, "groups", "group_staff", "reports", "moderation_log", "access_log", "feedback", "media", "activities",
  "bans", "group_resources", "polls", "email_settings",
  "outcome_questionnaires", "outcome_consents", "outcome_answers", "outcome_period_summaries",
];

let database: TestDatabase;
let seeded: SeedResult;
const ids = {
  group: 0, member: 0, account: 0, thread: 0, reply: 0, authors: [] as number[], cursor: {} as Record<ThreadSort, string>,
};

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

interface Plan {
  sql: string;
  /** Tables scanned sequentially as the planner chooses. */
  scans: string[];
  /** Tables scanned sequentially with enable_seqscan off: no index can serve the query. */
  unindexed: string[];
}

async function explain(db: TestDatabase["db"], compiled: CompiledQuery): Promise<string[]> {
  const { rows } = await db.executeQuery<{ "QUERY PLAN": unknown }>(
    CompiledQuery.raw(`explain (format json) ${compiled.sql}`, [...compiled.parameters]),
  );
  const raw = rows[0]["QUERY PLAN"];
  return seqScans(typeof raw === "string" ? JSON.parse(raw) : raw);
}

async function plansOf(run: (db: TestDatabase["db"]) => Promise<unknown>): Promise<Plan[]> {
  const capture = new Capture();
  const db = database.db.withPlugin(capture);
  await run(db);
  const out: Plan[] = [];
  for (const { node, queryId } of capture.nodes) {
    if (node.kind !== "SelectQueryNode" && node.kind !== "RawNode") continue;
    const compiled = database.db.getExecutor().compileQuery(node, queryId);
    // Raw SQL (sql`…`) too, when it reads: the dashboard's weekly counts are one.
    if (node.kind === "RawNode" && !/^\s*(select|with)\b/i.test(compiled.sql)) continue;
    const scans = await explain(database.db, compiled);
    // `set local`: only inside this transaction, on its one connection.
    const unindexed = await database.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      return await explain(trx, compiled);
    });
    out.push({ sql: compiled.sql, scans, unindexed });
  }
  expect(out.length, "the query ran and was captured").toBeGreaterThan(0);
  return out;
}

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  seeded = await seed(db, new URL("http://local.test"), { groups: 100, threads: 20_000, replies: 40_000, members: 20_000 });
  ids.group = seeded.bigGroup.actorId;
  ids.thread = seeded.bigThreadId!;
  ids.member = seeded.localMember.actorId;
  ids.account = seeded.localMember.accountId;
  const { rows } = await sql<{ author_id: number }>`
    select distinct author_id from posts where thread_id = ${ids.thread}`.execute(db);
  ids.authors = rows.map((r) => r.author_id);
  const { rows: r } = await sql<{ id: number }>`select max(id) as id from posts where thread_id = ${ids.thread}`.execute(db);
  ids.reply = r[0].id;
  // A position deep in the group's list, as the "next page" link carries it.
  for (const sort of ["active", "new", "top"] as const) {
    const page = await listGroupThreads(db, ids.group, sort, undefined, 200);
    ids.cursor[sort] = page[page.length - 1].cursor;
  }
}, 300_000);

afterAll(() => database?.dispose());

const queries: [string, (db: TestDatabase["db"]) => Promise<unknown>][] = [
  ["group page threads (active)", (db) => listGroupThreads(db, ids.group, "active", undefined)],
  ["group page threads (new)", (db) => listGroupThreads(db, ids.group, "new", undefined)],
  ["group page threads (top)", (db) => listGroupThreads(db, ids.group, "top", undefined)],
  ["group page threads, page 9 (active)", (db) => listGroupThreads(db, ids.group, "active", ids.cursor.active)],
  ["group page threads, page 9 (new)", (db) => listGroupThreads(db, ids.group, "new", ids.cursor.new)],
  ["group page threads, page 9 (top)", (db) => listGroupThreads(db, ids.group, "top", ids.cursor.top)],
  ["group page threads (moderator)", (db) => listGroupThreads(db, ids.group, "active", undefined, 26, true)],
  ["pinned threads", (db) => listPinnedGroupThreads(db, ids.group)],
  ["group staff", (db) => listGroupStaff(db, ids.group)],
  ["group resources", (db) => listGroupResources(db, 1)],
  ["API thread list", (db) => listThreadViews(db, ids.group, { limit: 50 })],
  ["API thread list, next page", (db) => listThreadViews(db, ids.group, { limit: 50, before: { at: new Date(Date.now() - 30 * 86_400_000), id: 2 ** 31 - 1 } })],
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
  ["member badges of a thread's authors", (db) => memberTypesOf(db, ids.authors, ids.group)],
  ["group page threads by caregivers", (db) => listGroupThreads(db, ids.group, "active", undefined, 25, false, "caregiver")],
  ["images of a thread's posts", (db) => listMediaOf(db, [ids.thread, ids.thread + 1, ids.thread + 2])],
  ["group directory", (db) => searchGroups(db, undefined)],
  ["group directory (signed in)", (db) => searchGroups(db, undefined, { withLocalOnly: true })],
  ["group directory, next page", (db) => searchGroups(db, undefined, { after: 50 })],
  ["group search", (db) => searchGroups(db, "diabetes support")],
  ["group directory by condition", (db) => searchGroups(db, undefined, { tag: { code: "ICD10:E11" }, language: "en" })],
  ["directory document (listed groups)", (db) => listListedGroups(db, { limit: 101 })],
  ["directory document, next page", (db) => listListedGroups(db, { after: 50, limit: 101 })],
  ["groups on other instances", (db) => searchRemoteEntries(db, { tag: { code: "ORPHA:558" }, limit: 101 })],
  ["followers (delivery)", (db) => listRemoteFollowers(db, ids.group)],
  ["pending requests", (db) => listPendingFollowers(db, ids.group)],
  ["memberships", (db) => listMemberships(db, ids.member)],
  ["remote groups of a member", (db) => listFollowedRemoteGroups(db, ids.member)],
  ["votes on a page", (db) => votesOf(db, ids.member, [ids.thread, ids.thread + 1])],
  ["notifications", (db) => listNotifications(db, ids.account)],
  ["unread notifications", (db) => countUnread(db, ids.account)],
  ["email job: members to email", (db) => listEmailCandidates(db, new Date())],
  ["email job: a member's notifications not yet emailed", (db) =>
    listUnemailed(db, ids.account, ["reply", "mention"], new Date(0), new Date())],
  ["email job: the notifications of an email", (db) => listNotificationsByIds(db, ids.account, [1, 2, 3])],
  ["email job: groups and excerpts of an email", (db) => listEmailDetails(db, [1, 2, 3])],
  ["moderation log", (db) => listModerationLog(db, ids.group)],
  ["reports", (db) => listReports(db, ids.group)],
  ["open reports count", (db) => countOpenReports(db, ids.group)],
  ["held posts", (db) => listHeldPosts(db, ids.group)],
  ["held posts count", (db) => countHeldPosts(db, ids.group)],
  ["newcomer's published posts (screening)", (db) => countPublishedPosts(db, ids.group, ids.member)],
  ["feedback", (db) => listFeedback(db, ids.group)],
  ["open feedback count", (db) => countOpenFeedback(db, ids.group)],
  ["dashboard: unanswered threads", (db) => unansweredThreads(db, ids.group)],
  ["dashboard: weekly activity", (db) => weeklyActivity(db, ids.group)],
  ["bans", (db) => listActiveBans(db, ids.group)],
  ["blocked actors (admin)", (db) => listBlockedActors(db)],
  ["suspended accounts (admin)", (db) => listSuspendedAccounts(db)],
  ["access log (admin)", (db) => listAccessLog(db)],
  ["access log of a group", (db) => listAccessLog(db, { groupActorIds: [ids.group] })],
  ["outbox", (db) => listOutbox(db, ids.member)],
  ["outbox count", (db) => countOutbox(db, ids.member)],
  ["outcomes: a group's questionnaire", (db) => findCurrentQuestionnaire(db, ids.group)],
  ["outcomes: a member's own answers", (db) => listOwnAnswers(db, 1, ids.account)],
  ["outcomes: ended periods' figures", (db) => listSummaries(db, 1)],
  ["outcomes: consent counts", (db) => consentCounts(db, 1, ids.group)],
  ["outcomes: research export", (db) => researchAnswers(db, 1, 12)],
  ["outcomes: a member's data export", (db) => collectOutcomeData(db, ids.account)],
  ["outcomes: a member's questionnaires", (db) => listParticipation(db, ids.account)],
];

describe("list queries on a large database", () => {
  it.each(queries)("%s reads no large table sequentially, has an index, and no OFFSET", async (name, run) => {
    for (const { sql: text, scans, unindexed } of await plansOf(run)) {
      const large = scans.filter((t) => LARGE.includes(t));
      expect(large, `${name}: sequential scan of ${large.join(", ")} in\n${text}`).toEqual([]);
      const missing = unindexed.filter((t) => INDEXED.includes(t));
      expect(missing, `${name}: no index serves ${missing.join(", ")} in\n${text}`).toEqual([]);
      expect(text, `${name}: OFFSET pagination`).not.toMatch(/\boffset\b/i);
    }
  });

  it("the seed is what the app would have written", async () => {
    const { db } = database;
    const { rows } = await sql<{ threads: number; wrong_counts: number; wrong_members: number; notes: number }>`
      select (select count(*)::int from posts where parent_id is null) as threads,
             (select count(*)::int from posts t where t.parent_id is null
                and t.reply_count <> (select count(*) from posts r where r.thread_id = t.id)) as wrong_counts,
             (select count(*)::int from actors g where g.type = 'Group' and g.follower_count <>
                (select count(*) from follows f where f.followee_id = g.id and f.state = 'accepted')) as wrong_members,
             (select count(*)::int from notifications where kind = 'reply') as notes`.execute(db);
    expect(rows[0]).toMatchObject({ threads: 20_000, wrong_counts: 0, wrong_members: 0 });
    expect(rows[0].notes).toBeGreaterThan(0);
    const big = await db.selectFrom("posts").select("reply_count").where("id", "=", ids.thread).executeTakeFirstOrThrow();
    expect(big.reply_count).toBe(300);
  });

  it("keeps each group's member count as members join, are accepted and leave", async () => {
    const { db } = database;
    const other = await db.selectFrom("actors").select("id").where("username", "=", "seed-g2").executeTakeFirstOrThrow();
    // A group the member is not in (the seed may have put them in seed-g2).
    await db.deleteFrom("follows").where("follower_id", "=", ids.member).where("followee_id", "=", other.id).execute();
    const otherId = other.id;
    const count = async () =>
      (await db.selectFrom("actors").select("follower_count").where("id", "=", otherId).executeTakeFirstOrThrow())
        .follower_count;
    const before = await count();
    await db.insertInto("follows").values({ follower_id: ids.member, followee_id: otherId, state: "pending" }).execute();
    expect(await count()).toBe(before);
    await db.updateTable("follows").set({ state: "accepted" })
      .where("follower_id", "=", ids.member).where("followee_id", "=", otherId).execute();
    expect(await count()).toBe(before + 1);
    await db.deleteFrom("follows").where("follower_id", "=", ids.member).where("followee_id", "=", otherId).execute();
    expect(await count()).toBe(before);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from follows where followee_id = ${ids.group} and state = 'accepted'`.execute(db);
    const big = await db.selectFrom("actors").select("follower_count").where("id", "=", ids.group).executeTakeFirstOrThrow();
    expect(big.follower_count).toBe(rows[0].n);
  });

  it("would notice a sequential scan", async () => {
    const found = await plansOf((db) => db.selectFrom("posts").select("id").where("content_html", "=", "<p>r</p>").execute());
    expect(found[0].scans).toContain("posts");
    expect(found[0].unindexed, "no index on content_html: still a sequential scan with enable_seqscan off").toContain("posts");
  });
});
