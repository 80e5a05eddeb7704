/** Reporting (any member), the moderation queue and dashboard (moderators), the moderation log (everyone). */
import { countHeldPosts } from "../../db/premoderation.ts";
import { Hono } from "hono";
import { findActorById } from "../../db/actors.ts";
import { groupDashboard } from "../../db/dashboard.ts";
import { listModerationLog } from "../../db/moderation-log.ts";
import { findPostView } from "../../db/posts.ts";
import { findReport, listReports } from "../../db/reports.ts";
import type { Actor } from "../../db/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { ValidationError } from "../names.ts";
import { DashboardPage } from "../pages/dashboard.tsx";
import { ModerationLogPage } from "../pages/moderation-log.tsx";
import { ModerationQueuePage } from "../pages/moderation-queue.tsx";
import { ReportPage, type ReportValues } from "../pages/report-form.tsx";
import { ForbiddenError } from "../posts.ts";
import { canHandleReports, decideReport, fileReport } from "../reports.ts";
import { findGroupActorById } from "../web-groups.ts";
import { type C, formFields, pageInfo, positiveInt, toLogin } from "./web-common.ts";
import { logRoleAccess, routeOf } from "../access-log.ts";
import { canReadGroupContent, mayReadPost } from "../group-access.ts";

const LOG_PAGE = 50;
const DONE: Record<string, string> = { resolved: "Report resolved.", dismissed: "Report dismissed." };

async function groupParam(c: C): Promise<Actor | undefined> {
  return await findGroupActorById(c.var.kindred.fedify(), positiveInt(c.req.param("id")));
}

/** The group, if the viewer handles its reports; throws ForbiddenError otherwise. */
async function moderatedGroup(c: C): Promise<Actor | undefined> {
  const group = await groupParam(c);
  if (!group) return undefined;
  if (!(await canHandleReports(c.var.kindred.fedify(), c.var.viewer!.account, group))) {
    throw new ForbiddenError("this page is for the group's moderators");
  }
  return group;
}

export function webModerationRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const reportForm = async (c: C, values: ReportValues, extra: { errors?: string[]; sent?: boolean } = {}) => {
    const post = await findPostView(c.var.kindred.db, { id: positiveInt(c.req.param("id")) ?? 0 });
    if (!post || !(await mayReadPost(c.var.kindred.fedify(), post, c.var.viewer))) return c.notFound();
    const group = (await findActorById(c.var.kindred.db, post.group_id))!;
    return c.html(<ReportPage page={pageInfo(c)} post={post} group={group} values={values} {...extra} />,
      extra.errors ? 422 : 200);
  };

  app.get("/p/:id{[0-9]+}/report", (c) => {
    if (!c.var.viewer) return toLogin(c);
    return reportForm(c, {}, { sent: c.req.query("sent") === "1" });
  });

  app.post("/p/:id{[0-9]+}/report", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const f = await formFields(c);
    const values = { about: f.about, reason: f.reason, comment: f.comment, alsoAuthor: f.also_author === "on" };
    try {
      await fileReport(c.var.kindred.fedify(), viewer.actor, {
        postId: positiveInt(c.req.param("id")) ?? 0,
        about: f.about,
        reason: f.reason,
        comment: f.comment,
        alsoAuthor: f.also_author,
      });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reportForm(c, values, { errors: [error.message] });
    }
    return c.redirect(`/p/${c.req.param("id")}/report?sent=1`, 303);
  });

  app.get("/g/:id{[0-9]+}/moderation", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await moderatedGroup(c);
    if (!group) return c.notFound();
    const reports = await listReports(c.var.kindred.db, group.id, "open");
    if (reports.length > 0) await logRoleAccess(c.var.kindred.fedify(), c.var.viewer!.account, group, { subject: "reports", route: routeOf(c.req) });
    return c.html(
      <ModerationQueuePage page={pageInfo(c)} group={group} reports={reports} done={DONE[c.req.query("done") ?? ""]}
        held={await countHeldPosts(c.var.kindred.db, group.id)} />,
    );
  });

  app.post("/g/:id{[0-9]+}/reports/:report{[0-9]+}/:decision{resolve|dismiss}", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const group = await moderatedGroup(c);
    if (!group) return c.notFound();
    const report = await findReport(c.var.kindred.db, positiveInt(c.req.param("report")) ?? 0);
    if (!report || report.group_actor_id !== group.id) return c.notFound();
    const decision = c.req.param("decision") === "resolve" ? "resolved" : "dismissed";
    await decideReport(c.var.kindred.fedify(), viewer.account, report, decision);
    return c.redirect(`/g/${group.id}/moderation?done=${decision}`, 303);
  });

  // A group's log is as public as its content: a private group's is for its
  // members, a local-only group's for those who may read it (src/group-access.ts).
  app.get("/g/:id{[0-9]+}/log", async (c) => {
    const group = await groupParam(c);
    if (!group || !(await canReadGroupContent(c.var.kindred.fedify(), group, c.var.viewer))) return c.notFound();
    const before = positiveInt(c.req.query("before"));
    const entries = await listModerationLog(c.var.kindred.db, group.id, { beforeId: before, limit: LOG_PAGE });
    const viewer = c.var.viewer;
    const moderator = viewer ? await canHandleReports(c.var.kindred.fedify(), viewer.account, group) : false;
    const older = entries.length === LOG_PAGE ? `/g/${group.id}/log?before=${entries[entries.length - 1].id}` : undefined;
    return c.html(
      <ModerationLogPage page={pageInfo(c)} group={group} entries={entries} moderator={moderator}
        olderHref={older} />,
    );
  });

  app.get("/g/:id{[0-9]+}/dashboard", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await moderatedGroup(c);
    if (!group) return c.notFound();
    const data = await groupDashboard(c.var.kindred.db, group.id);
    return c.html(<DashboardPage page={pageInfo(c)} group={group} data={data} />);
  });

  return app;
}
