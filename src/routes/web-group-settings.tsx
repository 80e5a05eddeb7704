/**
 * Pages for a local group's managers (owner, moderators, the instance's
 * admins): the group's settings (/g/:id/settings) and the pending requests
 * to join (/g/:id/requests); and the access log (/admin/access-log for
 * admins, /g/:id/access-log for the group's owner).  Services in
 * src/group-settings.ts, src/membership.ts and src/access-log.ts.
 */
import { Hono } from "hono";
import { findActorById } from "../../db/actors.ts";
import { listPendingFollowers } from "../../db/follows.ts";
import { findGroupById } from "../../db/groups.ts";
import { listGroupThreads, listPinnedGroupThreads } from "../../db/web-groups.ts";
import type { Actor } from "../../db/schema.ts";
import { accessLogFor, ownsGroup } from "../access-log.ts";
import type { AppEnv } from "../app-env.ts";
import { changeGroupSettings, LessPrivateError, RemovesMembersError } from "../group-settings.ts";
import { approvalRefusal, canModerate, decideJoinRequest, newServerWarning } from "../membership.ts";
import { ValidationError } from "../names.ts";
import { AccessLogPage } from "../pages/access-log.tsx";
import { ConfirmLessPrivatePage, ConfirmRemoveMembersPage, GroupSettingsPage, JoinRequestsPage, type SettingsValues, settingsValues } from "../pages/group-settings.tsx";
import { ForbiddenError } from "../posts.ts";
import { findGroupActorById } from "../web-groups.ts";
import { type C, formFields, pageInfo, positiveInt, toLogin } from "./web-common.ts";

/** The local group in the URL, if the viewer manages it; ForbiddenError if they do not. */
async function managedGroup(c: C): Promise<Actor | undefined> {
  const ctx = c.var.kindred.fedify();
  const group = await findGroupActorById(ctx, positiveInt(c.req.param("id")));
  if (!group?.local) return undefined;
  if (!(await canModerate(ctx, c.var.viewer!.account, group))) throw new ForbiddenError("only this group's moderators may see this page");
  return group;
}

/** The group's pinned threads and 50 newest others, for the introductions thread's choice. */
async function threadChoices(c: C, group: Actor) {
  const db = c.var.kindred.db;
  return [...await listPinnedGroupThreads(db, group.id), ...await listGroupThreads(db, group.id, "new", undefined, 50)];
}

const DONE: Record<string, string> = { approve: "Request approved: welcome them!", reject: "Request rejected." };

async function requestsPage(c: C, group: Actor, extra: { errors?: string[]; done?: string } = {}) {
  const db = c.var.kindred.db;
  const requests = [];
  for (const actor of await listPendingFollowers(db, group.id)) {
    requests.push({ actor, warning: await newServerWarning(db, group, actor), refusal: await approvalRefusal(db, group, actor) });
  }
  return c.html(<JoinRequestsPage page={pageInfo(c)} group={group} requests={requests} {...extra} />, extra.errors ? 422 : 200);
}

export function webGroupSettingsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/g/:id{[0-9]+}/settings", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await managedGroup(c);
    if (!group) return c.notFound();
    const settings = (await findGroupById(c.var.kindred.db, group.group_id!))!;
    return c.html(
      <GroupSettingsPage page={pageInfo(c)} group={group} values={settingsValues(settings)} threads={await threadChoices(c, group)}
        saved={c.req.query("saved") === "1"} />,
    );
  });

  app.post("/g/:id{[0-9]+}/settings", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const group = await managedGroup(c);
    if (!group) return c.notFound();
    const f = await formFields(c);
    const values: SettingsValues = {
      name: f.name ?? "",
      description: f.description ?? "",
      rules: f.rules ?? "",
      joinPolicy: f.joinPolicy ?? "",
      visibility: f.visibility ?? "",
      audience: f.audience ?? "",
      holdFirstPosts: f.holdFirstPosts ?? "",
      welcome: f.welcome ?? "",
      introductionsThreadId: f.introductionsThreadId ?? "",
      conditionTags: f.conditionTags ?? "",
      languages: f.languages ?? "",
      listedElsewhere: f.listedElsewhere === "on" ? "on" : "",
    };
    try {
      await changeGroupSettings(c.var.kindred.fedify(), viewer.account, group, {
        ...values,
        listedElsewhere: values.listedElsewhere === "on",
        confirmLessPrivate: f.confirm === "yes",
        confirmRemoveMembers: f.confirmRemove === "yes",
      });
    } catch (error) {
      if (error instanceof LessPrivateError) {
        return c.html(<ConfirmLessPrivatePage page={pageInfo(c)} group={group} from={error.from} values={values} />);
      }
      if (error instanceof RemovesMembersError) {
        return c.html(<ConfirmRemoveMembersPage page={pageInfo(c)} group={group} count={error.count} servers={error.servers}
          values={values} confirmedLessPrivate={f.confirm === "yes"} />);
      }
      if (!(error instanceof ValidationError)) throw error;
      return c.html(
        <GroupSettingsPage page={pageInfo(c)} group={group} values={values} threads={await threadChoices(c, group)} errors={[error.message]} />,
        422,
      );
    }
    return c.redirect(`/g/${group.id}/settings?saved=1`, 303);
  });

  app.get("/g/:id{[0-9]+}/requests", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await managedGroup(c);
    if (!group) return c.notFound();
    return await requestsPage(c, group, { done: DONE[c.req.query("done") ?? ""] });
  });

  app.post("/g/:id{[0-9]+}/requests/:actorId{[0-9]+}", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await managedGroup(c);
    if (!group) return c.notFound();
    const f = await formFields(c);
    const follower = await findActorById(c.var.kindred.db, positiveInt(c.req.param("actorId")) ?? 0);
    try {
      if (f.decision !== "approve" && f.decision !== "reject") throw new ValidationError("decision", "choose approve or reject");
      if (!follower) throw new ValidationError("request", "no pending request from that actor");
      await decideJoinRequest(c.var.kindred.fedify(), group, follower.id, f.decision === "approve");
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return await requestsPage(c, group, { errors: [error.message] });
    }
    return c.redirect(`/g/${group.id}/requests?done=${f.decision}`, 303);
  });

  app.get("/admin/access-log", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    if (viewer.account.role !== "admin") throw new ForbiddenError("this page is for the instance's admins");
    return c.html(
      <AccessLogPage page={pageInfo(c)} title="Access log" entries={await accessLogFor(c.var.kindred.fedify(), viewer.account)}
        intro="Every read of private content by an admin or moderator on this server, in every group." />,
    );
  });

  app.get("/g/:id{[0-9]+}/access-log", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const ctx = c.var.kindred.fedify();
    const group = await findGroupActorById(ctx, positiveInt(c.req.param("id")));
    if (!group?.local) return c.notFound();
    if (viewer.account.role !== "admin" && !(await ownsGroup(ctx, viewer.account, group))) {
      throw new ForbiddenError("this page is for the group's owner and the instance's admins");
    }
    return c.html(
      <AccessLogPage page={pageInfo(c)} title={`Access log · ${group.name ?? group.username}`}
        entries={await accessLogFor(ctx, viewer.account, group.id)}
        intro="Every read of this group's private content by an admin or moderator." />,
    );
  });

  return app;
}
