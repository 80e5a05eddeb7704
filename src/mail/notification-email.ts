/**
 * The words of a notification email (docs/SECURITY.md, "Email").
 *
 * Without the member's opt-in (`showDetails`), neither the subject, the
 * preview nor the body names a group, a thread, a post, a condition or
 * another member: only counts by kind, the instance's name and a link to
 * log in.  With it, the subject names the groups, and the body lists who
 * did what where, with thread titles and a short excerpt; only for public
 * groups, never for a private or local-only one (named "a private group",
 * "a local-only group": nothing of them leaves the server), nor for content
 * the member can no longer read, nor for a post that is removed, held,
 * rejected or deleted (or in such a thread), nor an excerpt of a post behind
 * a content warning.
 */
import type { EmailDetail } from "../../db/email-settings.ts";
import type { NotificationView } from "../../db/notifications.ts";
import type { EmailFrequency, NotificationKind } from "../../db/schema.ts";
import { htmlToText } from "../../federation/html.ts";
import { escapeHtmlText as escapeHtml } from "../html-escape.ts";

export interface EmailContent {
  subject: string;
  /** The preview mail programs show after the subject: the first text of the body. */
  preheader: string;
  text: string;
  html: string;
}

export interface EmailInput {
  frequency: Exclude<EmailFrequency, "off">;
  showDetails: boolean;
  instanceName: string;
  origin: URL;
  unsubscribeUrl: string;
  /** Oldest first, after src/group-access.ts#hideUnreadable. */
  items: NotificationView[];
  details: Map<number, EmailDetail>;
}

const KIND_LABELS: Record<NotificationKind, [string, string]> = {
  reply: ["reply to you", "replies to you"],
  mention: ["mention of you", "mentions of you"],
  join_accepted: ["answer to a request to join", "answers to requests to join"],
  join_rejected: ["answer to a request to join", "answers to requests to join"],
  join_request: ["new request to join for moderators", "new requests to join for moderators"],
  moderation: ["moderation decision", "moderation decisions"],
  post_held: ["post awaiting review", "posts awaiting review"],
  post_approved: ["post review", "post reviews"],
  post_rejected: ["post review", "post reviews"],
  report: ["new report for moderators", "new reports for moderators"],
  feedback: ["new feedback for managers", "new feedback for managers"],
};

const EXCERPT_CHARS = 140;

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "2 replies to you, 1 mention of you": counts by kind, nothing else. */
export function countsByKind(items: NotificationView[]): string[] {
  const counts = new Map<string, { n: number; labels: [string, string] }>();
  for (const n of items) {
    const labels = KIND_LABELS[n.kind];
    const entry = counts.get(labels[1]) ?? { n: 0, labels };
    entry.n++;
    counts.set(labels[1], entry);
  }
  return [...counts.values()].map((c) => plural(c.n, ...c.labels));
}

/**
 * Whether a detailed email may name the group and quote its threads: only a
 * public one.  Private and local-only groups (and any visibility added
 * later) are never named nor quoted.
 */
function isPublic(d: EmailDetail | undefined): d is EmailDetail {
  return d?.group_visibility === "public";
}

/** A group that may be named in a detailed email, or undefined. */
function nameableGroup(d: EmailDetail | undefined): string | undefined {
  return isPublic(d) && d.group_name ? d.group_name : undefined;
}

function groupPhrase(d: EmailDetail | undefined): string {
  if (d?.group_visibility === "private") return "a private group";
  if (d?.group_visibility === "local") return "a local-only group";
  return nameableGroup(d) ?? "a group";
}

/** Whether the notification's post (its thread's title, its words) may be quoted. */
function quotable(n: NotificationView, d: EmailDetail | undefined): d is EmailDetail {
  return n.post_id != null && !n.post_deleted && isPublic(d) && d.post_quotable;
}

function excerptOf(n: NotificationView, d: EmailDetail | undefined): string | undefined {
  if (!quotable(n, d) || d.post_summary || d.post_sensitive) return undefined;
  const raw = d.post_source ?? htmlToText(d.post_html ?? "");
  const flat = raw.replace(/\s+/g, " ").trim();
  if (!flat) return undefined;
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1).trimEnd()}…` : flat;
}

interface Line {
  text: string;
  excerpt?: string;
  href: string;
}

/** One notification, told with details (the member opted in). */
function detailedLine(n: NotificationView, d: EmailDetail | undefined, origin: URL): Line {
  const who = n.actor_name || n.actor_username || "Someone";
  const where = groupPhrase(d);
  const readable = quotable(n, d);
  const title = readable && n.thread_title ? `“${n.thread_title}”` : "a thread";
  const postHref = readable ? new URL(`/p/${n.post_id}`, origin).href : new URL("/notifications", origin).href;
  const notifications = new URL("/notifications", origin).href;
  switch (n.kind) {
    case "reply":
      return { text: `${who} replied to you in ${title} (${where})`, excerpt: excerptOf(n, d), href: postHref };
    case "mention":
      return { text: `${who} mentioned you in ${title} (${where})`, excerpt: excerptOf(n, d), href: postHref };
    case "join_accepted":
      return { text: `You are now a member of ${where}.`, href: notifications };
    case "join_rejected":
      return { text: `Your request to join ${where} was declined.`, href: notifications };
    case "moderation":
      return { text: `The moderators of ${where} took an action that concerns you.`, href: notifications };
    case "post_held":
      return { text: `Your post in ${where} awaits a moderator's review.`, href: notifications };
    case "post_approved":
      return { text: `Your post in ${where} was approved and published.`, href: notifications };
    case "post_rejected":
      return { text: `Your post in ${where} was not published.`, href: notifications };
    case "report":
      return { text: `New report in ${where}.`, href: notifications };
    case "join_request":
      return { text: `Someone asked to join ${where}.`, href: notifications };
    case "feedback":
      return { text: `New feedback for the managers of ${where}.`, href: notifications };
  }
}

function periodWord(frequency: EmailInput["frequency"]): string {
  return frequency === "daily" ? "Your daily summary: " : frequency === "weekly" ? "Your weekly summary: " : "";
}

export function notificationEmail(input: EmailInput): EmailContent {
  const { items, instanceName, origin } = input;
  const count = plural(items.length, "new notification", "new notifications");
  const loginUrl = new URL("/notifications", origin).href;
  const settingsUrl = new URL("/settings/email", origin).href;
  const counts = countsByKind(items);
  let subject = `${periodWord(input.frequency)}${count} on ${instanceName}`;
  let preheader = `${counts.join(", ")}. Log in to read them.`;
  let lines: Line[] = [];
  if (input.showDetails) {
    lines = items.map((n) => detailedLine(n, input.details.get(n.id), origin));
    const groups = [...new Set(items.map((n) => nameableGroup(input.details.get(n.id))).filter((g) => g != null))];
    if (groups.length > 0) {
      const named = groups.length > 2 ? `${groups.slice(0, 2).join(", ")} and others` : groups.join(" and ");
      subject = `${periodWord(input.frequency)}${count} in ${named}`;
    }
    preheader = lines[0].text;
  }
  const intro = input.showDetails
    ? `You have ${count} on ${instanceName}:`
    : `You have ${count} on ${instanceName}: ${counts.join(", ")}.`;
  const footer = [
    `You get these emails because you chose them in your settings (${settingsUrl}).`,
    input.showDetails
      ? "They name groups and threads because you asked for it; you can turn that off there."
      : "For your privacy they say nothing about what happened or where; log in to read it.",
    `Stop all emails with one click: ${input.unsubscribeUrl}`,
  ];
  const text = [
    preheader,
    "",
    intro,
    ...lines.flatMap((l) => [``, `- ${l.text}`, ...(l.excerpt ? [`  “${l.excerpt}”`] : []), `  ${l.href}`]),
    "",
    `Read them: ${loginUrl}`,
    "",
    "--",
    ...footer,
  ].join("\n");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1d2a33;">
<span style="display:none;max-height:0;overflow:hidden;">${escapeHtml(preheader)}</span>
<p>${escapeHtml(intro)}</p>
${
    lines.length > 0
      ? `<ul>${
        lines.map((l) =>
          `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a>${
            l.excerpt ? `<br><q>${escapeHtml(l.excerpt)}</q>` : ""
          }</li>`
        ).join("\n")
      }</ul>`
      : ""
  }
<p><a href="${escapeHtml(loginUrl)}">Read your notifications</a></p>
<hr>
<p style="font-size: 0.9em; color: #555;">${escapeHtml(footer[0])} ${escapeHtml(footer[1])}
<a href="${escapeHtml(input.unsubscribeUrl)}">Stop all emails</a>.</p>
</body></html>`;
  return { subject, preheader, text, html };
}
