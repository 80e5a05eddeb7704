/**
 * Reporting posts and members, and closing reports: validation and who may
 * do what here, storage in db/reports.ts, federation in federation/reports.ts.
 */
import type { Context } from "@fedify/fedify";
import { findAccountActor, findActorById } from "../db/actors.ts";
import { findPostById } from "../db/posts.ts";
import { closeReport, insertReport, type Report } from "../db/reports.ts";
import { type Account, type Actor, REPORT_REASONS, type ReportReason } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { newActivityId } from "../federation/delivery.ts";
import { sendFlagToAuthorInstance, sendFlagToGroup, sendResolve } from "../federation/reports.ts";
import { canModerate } from "./membership.ts";
import { ValidationError } from "./names.ts";
import { ForbiddenError } from "./posts.ts";
import { mayReadPost } from "./group-access.ts";
import { findAccountById } from "../db/accounts.ts";

type Ctx = Context<ContextData>;

export const MAX_REPORT_COMMENT = 1000;

export interface ReportInput {
  postId: number;
  /** "post" (the default): the post and its author; "member": the author, in that post's group. */
  about?: unknown;
  reason?: unknown;
  comment?: unknown;
  /** Also tell the author's instance (from our instance actor, reason only). */
  alsoAuthor?: unknown;
}

function checkReason(reason: unknown): ReportReason {
  if (typeof reason !== "string" || !REPORT_REASONS.includes(reason as ReportReason)) {
    throw new ValidationError("reason", "choose a reason for the report");
  }
  return reason as ReportReason;
}

function checkComment(comment: unknown): string {
  if (comment == null) return "";
  if (typeof comment !== "string") throw new ValidationError("comment", "comment must be text");
  if (comment.length > MAX_REPORT_COMMENT) {
    throw new ValidationError("comment", `comment is longer than ${MAX_REPORT_COMMENT} characters`);
  }
  return comment.trim();
}

/**
 * Files a report.  For a local group it waits in the group's queue (its
 * moderators are notified); for a remote group it is kept and sent there.
 */
export async function fileReport(ctx: Ctx, reporter: Actor, input: ReportInput): Promise<Report> {
  const db = ctx.data.db;
  const reason = checkReason(input.reason);
  const comment = checkComment(input.comment);
  const about = input.about ?? "post";
  if (about !== "post" && about !== "member") throw new ValidationError("about", "report a post or a member");
  const post = await findPostById(db, input.postId);
  // Only what the reporter may read can be reported (and no one learns whether other ids exist).
  const account = reporter.account_id != null ? await findAccountById(db, reporter.account_id) : undefined;
  if (!post || !account || !(await mayReadPost(ctx, post, { account, actor: reporter }))) {
    throw new ValidationError("post", "no such post");
  }
  const group = (await findActorById(db, post.group_id))!;
  const target = (await findActorById(db, post.author_id))!;
  if (target.id === reporter.id) throw new ValidationError("post", "you cannot report yourself");
  const remote = !group.local;
  const id = remote ? newActivityId(ctx) : undefined;
  const { report } = await insertReport(db, {
    uri: id?.href ?? null,
    group_actor_id: group.id,
    post_id: about === "post" ? post.id : null,
    target_actor_id: target.id,
    reporter_actor_id: reporter.id,
    reason,
    comment,
    priority: reason === "self_harm" ? "high" : "normal",
  }, !remote);
  const outgoing = { id: id ?? newActivityId(ctx), reporter, group, target, post: about === "post" ? post : undefined, reason, comment };
  if (remote) await sendFlagToGroup(ctx, outgoing);
  const alsoAuthor = input.alsoAuthor === true || input.alsoAuthor === "on";
  // When the author lives on the group's instance, the group's copy already told it.
  if (alsoAuthor && !target.local && new URL(target.uri).origin !== new URL(group.uri).origin) {
    await sendFlagToAuthorInstance(ctx, outgoing);
  }
  return report;
}

/**
 * Who handles a group's reports: its moderators and, for a local group, the
 * instance's admins; our admins also handle reports about our members in
 * remote groups (sent to us by the group's or the reporter's instance).
 */
export async function canHandleReports(ctx: Ctx, account: Account, group: Actor): Promise<boolean> {
  return account.role === "admin" || await canModerate(ctx, account, group);
}

/** Resolves or dismisses an open report; a report from another instance is answered with `Resolve`. */
export async function decideReport(
  ctx: Ctx,
  account: Account,
  report: Report,
  decision: "resolved" | "dismissed",
): Promise<void> {
  const group = report.group_actor_id == null ? undefined : await findActorById(ctx.data.db, report.group_actor_id);
  if (!group || !(await canHandleReports(ctx, account, group))) throw new ForbiddenError("moderators only");
  const moderator = await findAccountActor(ctx.data.db, account.id);
  const closed = await closeReport(ctx.data.db, report.id, decision, moderator?.id ?? null);
  if (!closed) throw new ValidationError("report", "this report is already closed");
  if (group.local) await sendResolve(ctx, closed, group);
}
