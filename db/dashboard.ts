/**
 * The community-manager dashboard of a group: new members, unanswered
 * threads, time to first reply, activity per week, open reports.  Weeks
 * start on Monday, UTC.  Every query takes `now`, so that tests can pin it.
 */
import { type Kysely, sql } from "kysely";
import type { Schema } from "./schema.ts";

type Db = Kysely<Schema>;

export interface WeekRow {
  /** Monday 00:00 UTC that starts the week. */
  week: Date;
  new_members: number;
  posts: number;
  active_members: number;
}

export interface UnansweredThread {
  id: number;
  uri: string;
  local: boolean;
  title: string | null;
  published_at: Date;
}

export interface Dashboard {
  weeks: WeekRow[];
  unanswered: UnansweredThread[];
  unansweredCount: number;
  /** Median seconds from a thread to its first reply by someone else, threads of the last 30 days; null with none. */
  medianFirstReplySeconds: number | null;
  /** How many threads of the last 30 days that median is over. */
  answeredThreads: number;
  openReports: number;
}

const WEEKS = 8;

/** Last 8 weeks, newest first: members who joined, posts (threads and replies), distinct authors. */
export async function weeklyActivity(db: Db, groupActorId: number, now = new Date()): Promise<WeekRow[]> {
  const { rows } = await sql<{ week: Date; new_members: string; posts: string; active_members: string }>`
    with weeks as (
      select generate_series(
        date_trunc('week', ${now}::timestamptz at time zone 'UTC') - ${`${WEEKS - 1} weeks`}::interval,
        date_trunc('week', ${now}::timestamptz at time zone 'UTC'),
        interval '1 week') as week
    ),
    bounds as (select min(week) as first from weeks),
    joined as (
      select date_trunc('week', f.created_at at time zone 'UTC') as week, count(*) as n
      from follows f, bounds
      where f.followee_id = ${groupActorId} and f.state = 'accepted'
        and f.created_at >= bounds.first at time zone 'UTC' and f.created_at <= ${now}
      group by 1
    ),
    posted as (
      select date_trunc('week', p.published_at at time zone 'UTC') as week, count(*) as n,
        count(distinct p.author_id) as authors
      from posts p, bounds
      where p.group_id = ${groupActorId} and p.deleted_at is null
        and p.published_at >= bounds.first at time zone 'UTC' and p.published_at <= ${now}
      group by 1
    )
    select weeks.week at time zone 'UTC' as week, coalesce(joined.n, 0) as new_members,
      coalesce(posted.n, 0) as posts, coalesce(posted.authors, 0) as active_members
    from weeks left join joined using (week) left join posted using (week)
    order by weeks.week desc`.execute(db);
  return rows.map((r) => ({
    week: new Date(r.week),
    new_members: Number(r.new_members),
    posts: Number(r.posts),
    active_members: Number(r.active_members),
  }));
}

/** Threads nobody has replied to, oldest first. */
export async function unansweredThreads(db: Db, groupActorId: number, limit = 20) {
  const base = db.selectFrom("posts")
    .where("group_id", "=", groupActorId)
    .where("parent_id", "is", null)
    .where("reply_count", "=", 0)
    .where("deleted_at", "is", null);
  const threads = await base
    .select(["id", "uri", "local", "title", "published_at"])
    .where("removed_at", "is", null).where("review_state", "=", "published")
    .orderBy("published_at").orderBy("id").limit(limit).execute();
  const { n } = await base.select(sql<string>`count(*)`.as("n"))
    .where("removed_at", "is", null).where("review_state", "=", "published")
    .executeTakeFirstOrThrow();
  return { threads, count: Number(n) };
}

/** Median time to the first reply by someone other than the thread's author, over threads of the last 30 days. */
export async function firstReplyMedian(db: Db, groupActorId: number, now = new Date()) {
  const { rows } = await sql<{ median: number | null; n: string }>`
    select percentile_cont(0.5) within group (order by extract(epoch from fr.first_at - t.published_at)) as median,
      count(*) as n
    from posts t
    cross join lateral (
      select min(r.published_at) as first_at from posts r
      where r.thread_id = t.id and r.author_id <> t.author_id and r.deleted_at is null
    ) fr
    where t.group_id = ${groupActorId} and t.parent_id is null and t.deleted_at is null
      and t.published_at > ${now}::timestamptz - interval '30 days' and t.published_at <= ${now}
      and fr.first_at is not null`.execute(db);
  const row = rows[0];
  return { medianSeconds: row?.median == null ? null : Number(row.median), threads: Number(row?.n ?? 0) };
}

export async function groupDashboard(db: Db, groupActorId: number, now = new Date()): Promise<Dashboard> {
  const weeks = await weeklyActivity(db, groupActorId, now);
  const unanswered = await unansweredThreads(db, groupActorId);
  const median = await firstReplyMedian(db, groupActorId, now);
  const open = await db.selectFrom("reports").select(sql<string>`count(*)`.as("n"))
    .where("group_actor_id", "=", groupActorId).where("state", "=", "open").executeTakeFirstOrThrow();
  return {
    weeks,
    unanswered: unanswered.threads,
    unansweredCount: unanswered.count,
    medianFirstReplySeconds: median.medianSeconds,
    answeredThreads: median.threads,
    openReports: Number(open.n),
  };
}
