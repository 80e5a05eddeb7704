/**
 * Reports, outbound.  A report about a post or member of a remote group
 * goes to the group's instance as a `Flag` from the reporter (as Lemmy
 * sends and expects: the group's moderators may need to ask them), and,
 * when the reporter asks, to the author's instance as a `Flag` from our
 * instance actor with the reason only (as Mastodon does), so that the
 * reported member's server never learns who reported them.  Flags are
 * never kept in `activities` nor served at their ids.
 *
 * Closing a report that another instance sent us answers its reporter's
 * instance with Lemmy 1.0's `Resolve` (federation/untyped-activity.ts).
 */
import type { Context } from "@fedify/fedify";
import { Flag } from "@fedify/vocab";
import { findActorById } from "../db/actors.ts";
import type { Report } from "../db/reports.ts";
import type { Actor, Post, ReportReason } from "../db/schema.ts";
import { type ContextData, INSTANCE_ACTOR } from "./context.ts";
import { newActivityId, recipientOf } from "./delivery.ts";
import { sendRaw } from "./untyped-activity.ts";

type Ctx = Context<ContextData>;

export const REASON_LABELS: Record<ReportReason, string> = {
  misinformation: "Medical misinformation",
  personal_details: "Personal details or oversharing",
  self_harm: "Risk of self-harm",
  harassment: "Harassment",
  spam: "Spam",
  other: "Other",
};

/** The reason as other servers read it: "Label: comment". */
export function reportText(reason: ReportReason, comment: string): string {
  return comment ? `${REASON_LABELS[reason]}: ${comment}` : REASON_LABELS[reason];
}

/** The reason back from a Flag's text (ours start with the label); anything else is "other". */
export function reasonOfText(text: string): ReportReason {
  for (const [reason, label] of Object.entries(REASON_LABELS) as [ReportReason, string][]) {
    if (reason !== "other" && text.toLowerCase().startsWith(label.toLowerCase())) return reason;
  }
  return "other";
}

export interface OutgoingReport {
  id: URL;
  reporter: Actor;
  group: Actor;
  target: Actor;
  post?: Post;
  reason: ReportReason;
  comment: string;
}

/** Sends the `Flag` of a report about a remote group's content to that group's instance. */
export async function sendFlagToGroup(ctx: Ctx, r: OutgoingReport): Promise<void> {
  const text = reportText(r.reason, r.comment);
  const flag = new Flag({
    id: r.id,
    actor: new URL(r.reporter.uri),
    object: new URL(r.post?.uri ?? r.target.uri),
    to: new URL(r.group.uri),
    audience: new URL(r.group.uri),
    summary: text,
    content: text,
  });
  await ctx.sendActivity({ identifier: r.reporter.username }, [recipientOf(r.group)], flag, {
    preferSharedInbox: true,
    excludeBaseUris: [new URL(ctx.origin)],
  });
}

/**
 * Tells the reported member's instance, from our instance actor, with the
 * reason's label only: the reporter's own words might identify them.
 */
export async function sendFlagToAuthorInstance(ctx: Ctx, r: OutgoingReport): Promise<void> {
  if (r.target.local) return;
  const flag = new Flag({
    id: newActivityId(ctx),
    actor: ctx.getActorUri(INSTANCE_ACTOR),
    objects: [new URL(r.target.uri), ...(r.post ? [new URL(r.post.uri)] : [])],
    to: new URL(r.target.uri),
    audience: new URL(r.group.uri),
    content: REASON_LABELS[r.reason],
  });
  await ctx.sendActivity({ identifier: INSTANCE_ACTOR }, [recipientOf(r.target)], flag, {
    preferSharedInbox: true,
    excludeBaseUris: [new URL(ctx.origin)],
  });
}

/**
 * After a moderator closed a report that came from another instance: a
 * `Resolve` of the original Flag to the reporter's instance, from the group
 * itself.  (Lemmy 1.0 sends it from the moderator; the group is what every
 * receiver can check without knowing the group's moderators, and it keeps
 * which moderator acted off other servers, as the log does.)
 */
export async function sendResolve(ctx: Ctx, report: Report, group: Actor): Promise<void> {
  if (!report.uri || !report.reporter_actor_id || new URL(report.uri).origin === new URL(ctx.origin).origin) return;
  const reporter = await findActorById(ctx.data.db, report.reporter_actor_id);
  if (!reporter || reporter.local) return;
  const sender = group;
  const post = report.post_id == null
    ? undefined
    : await ctx.data.db.selectFrom("posts").select("uri").where("id", "=", report.post_id).executeTakeFirst();
  const target = await findActorById(ctx.data.db, report.target_actor_id);
  await sendRaw(ctx, sender, [reporter], {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: newActivityId(ctx).href,
    type: "Resolve",
    actor: sender.uri,
    to: [group.uri],
    audience: group.uri,
    object: {
      id: report.uri,
      type: "Flag",
      actor: reporter.uri,
      object: post?.uri ?? target?.uri,
      to: [group.uri],
    },
  });
}
