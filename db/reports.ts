/**
 * Reports about posts and members.  A report about a local group waits in
 * that group's moderation queue; one a local member sent to a remote group
 * is kept so that its `Resolve` can be matched.  The reporter is known to
 * moderators only: nothing here that the reported member can reach shows it.
 */
import { type Kysely, sql, type Transaction } from "kysely";
import type { Insertable, Selectable } from "kysely";
import type { ReportsTable, Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

export type Report = Selectable<ReportsTable>;
export type ReportState = Report["state"];

/**
 * Stores a report (once per `uri`: a repeated delivery changes nothing) and,
 * unless `notify` is false (a report we send elsewhere), tells who handles
 * it: a local group's local moderators (the instance's admins when it has
 * none); for a remote group, our admins (it is about one of our members).
 * Returns the report and whether it is new.
 */
export async function insertReport(
  db: Db,
  report: Insertable<ReportsTable>,
  notify = true,
): Promise<{ report: Report; created: boolean }> {
  const inserted = await db.insertInto("reports").values(report)
    .onConflict((oc) => oc.column("uri").doNothing())
    .returningAll().executeTakeFirst();
  if (!inserted) {
    const existing = await db.selectFrom("reports").selectAll().where("uri", "=", report.uri!).executeTakeFirstOrThrow();
    return { report: existing, created: false };
  }
  if (notify && inserted.group_actor_id != null) await notifyModerators(db, inserted);
  return { report: inserted, created: true };
}

async function notifyModerators(db: Db, report: Report): Promise<void> {
  const group = await db.selectFrom("actors").select("local").where("id", "=", report.group_actor_id!)
    .executeTakeFirst();
  const staff = await db.selectFrom("group_staff")
    .innerJoin("actors", "actors.id", "group_staff.actor_id")
    .select("actors.account_id")
    .where("group_staff.group_actor_id", "=", report.group_actor_id!)
    .where("group_staff.role", "in", ["owner", "moderator"])
    .where("actors.local", "=", true).where("actors.account_id", "is not", null)
    .execute();
  let accounts = group?.local ? staff.map((s) => s.account_id!) : [];
  if (accounts.length === 0) {
    accounts = (await db.selectFrom("accounts").select("id").where("role", "=", "admin").execute()).map((a) => a.id);
  }
  // The reported member never gets this notification, even when they moderate.
  const target = await db.selectFrom("actors").select("account_id").where("id", "=", report.target_actor_id)
    .executeTakeFirst();
  accounts = accounts.filter((a) => a !== target?.account_id);
  if (accounts.length === 0) return;
  await db.insertInto("notifications").values(accounts.map((account_id) => ({
    account_id,
    kind: "report" as const,
    actor_id: report.group_actor_id,
    post_id: report.post_id,
    report_id: report.id,
  }))).execute();
}

export function findReport(db: Db, id: number): Promise<Report | undefined> {
  return db.selectFrom("reports").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findReportByUri(db: Db, uri: string): Promise<Report | undefined> {
  return db.selectFrom("reports").selectAll().where("uri", "=", uri).executeTakeFirst();
}

/** Closes an open report; returns it, or undefined when it was not open. */
export async function closeReport(
  db: Db,
  id: number,
  state: "resolved" | "dismissed",
  resolvedBy: number | null,
): Promise<Report | undefined> {
  return await db.updateTable("reports")
    .set({ state, resolved_by: resolvedBy, resolved_at: new Date() })
    .where("id", "=", id).where("state", "=", "open")
    .returningAll().executeTakeFirst();
}

/** A report as the moderation queue shows it (reporter included: moderators only). */
export interface ReportView extends Report {
  post_title: string | null;
  post_excerpt: string | null;
  post_uri: string | null;
  post_local: boolean | null;
  post_deleted: boolean | null;
  thread_title: string | null;
  target_username: string;
  target_host: string;
  target_uri: string;
  reporter_username: string | null;
  reporter_host: string | null;
}

/** Reports of a group in a state: high priority first, then oldest first. */
export function listReports(db: Db, groupActorId: number, state: ReportState = "open", limit = 100): Promise<ReportView[]> {
  return db.selectFrom("reports as r")
    .innerJoin("actors as t", "t.id", "r.target_actor_id")
    .leftJoin("actors as rep", "rep.id", "r.reporter_actor_id")
    .leftJoin("posts as p", "p.id", "r.post_id")
    .leftJoin("posts as th", "th.id", "p.thread_id")
    .selectAll("r")
    .select([
      "p.title as post_title", "p.uri as post_uri", "p.local as post_local",
      sql<string | null>`left(regexp_replace(p.content_html, '<[^>]*>', ' ', 'g'), 300)`.as("post_excerpt"),
      sql<boolean | null>`p.deleted_at is not null`.as("post_deleted"),
      sql<string | null>`coalesce(th.title, p.title)`.as("thread_title"),
      "t.username as target_username", "t.host as target_host", "t.uri as target_uri",
      "rep.username as reporter_username", "rep.host as reporter_host",
    ])
    .where("r.group_actor_id", "=", groupActorId)
    .where("r.state", "=", state)
    .orderBy(sql`case r.priority when 'high' then 0 else 1 end`)
    .orderBy("r.id", state === "open" ? "asc" : "desc")
    .limit(limit)
    .execute();
}

export async function countOpenReports(db: Db, groupActorId: number): Promise<number> {
  const row = await db.selectFrom("reports").select(sql<number>`count(*)`.as("n"))
    .where("group_actor_id", "=", groupActorId).where("state", "=", "open").executeTakeFirstOrThrow();
  return Number(row.n);
}
