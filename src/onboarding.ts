/**
 * Onboarding (issue 9, item 4): what a new member of a group is shown on
 * joining (its welcome message, its rules and pinned resources, and the
 * introductions thread), and the "new here" badge.
 *
 * "New here" lasts NEW_MEMBER_DAYS (14) days from when the membership was
 * accepted (`follows.accepted_at`): for an approval group that is the
 * moderator's approval, not the request, so the days a request waited do not
 * eat into it.  Two weeks is long enough to cover a member's first few posts
 * in a group that is active weekly, and short enough that the badge still
 * means "please make them welcome".  Members from other servers count from
 * when this server accepted their `Follow` (or, for our members of a remote
 * group, when its `Accept` arrived).  The group's staff never show it.
 */
import type { Context } from "@fedify/fedify";
import { isApprovedMember } from "../db/follows.ts";
import { type GroupResource, listGroupResources } from "../db/group-resources.ts";
import { findGroupById } from "../db/groups.ts";
import { newcomersAmong, setIntroductionsThread, setWelcome } from "../db/onboarding.ts";
import { findPostById } from "../db/posts.ts";
import type { Actor, Group } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { renderMarkdown } from "./markdown.ts";
import { ValidationError } from "./names.ts";
import { postPath } from "./pages/page-info.ts";

type Ctx = Context<ContextData>;

export const NEW_MEMBER_DAYS = 14;
export const MAX_WELCOME_LENGTH = 5000;

export interface WelcomeView {
  welcomeSource: string;
  welcomeHtml: string;
  rulesHtml: string;
  resources: GroupResource[];
  introductions: { id: number; title: string; path: string } | null;
}

/** The welcome message as written (Markdown), or a ValidationError. */
export function checkWelcome(value: unknown): string {
  if (typeof value !== "string") throw new ValidationError("welcome", "welcome must be text");
  if (value.length > MAX_WELCOME_LENGTH) {
    throw new ValidationError("welcome", `the welcome message must be at most ${MAX_WELCOME_LENGTH} characters`);
  }
  return value.trim();
}

/**
 * The introductions thread a manager chose: null (or "" / 0) for none, else
 * a published thread of this group that was not removed or deleted.
 */
export async function checkIntroductionsThread(ctx: Ctx, group: Actor, value: unknown): Promise<number | null> {
  if (value == null || value === "" || value === 0 || value === "0") return null;
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) {
    throw new ValidationError("introductionsThreadId", "the introductions thread must be a thread's number");
  }
  const post = await findPostById(ctx.data.db, id);
  if (
    !post || post.group_id !== group.id || post.parent_id != null || post.deleted_at != null || post.removed_at != null ||
    post.review_state !== "published"
  ) {
    throw new ValidationError("introductionsThreadId", `no published thread ${id} in this group`);
  }
  return id;
}

/** Writes what checkWelcome and checkIntroductionsThread accepted. */
export async function saveOnboarding(ctx: Ctx, group: Group, welcome: string | undefined, introductions: number | null | undefined) {
  if (welcome != null && welcome !== group.welcome_source) {
    await setWelcome(ctx.data.db, group.id, welcome, welcome ? renderMarkdown(welcome) : "");
  }
  if (introductions !== undefined && introductions !== group.introductions_post_id) {
    await setIntroductionsThread(ctx.data.db, group.id, introductions);
  }
}

/** What a (local) group shows its new members. */
export async function welcomeView(ctx: Ctx, group: Actor): Promise<WelcomeView | undefined> {
  if (!group.local || group.group_id == null) return undefined;
  const g = await findGroupById(ctx.data.db, group.group_id);
  if (!g) return undefined;
  const intro = g.introductions_post_id == null ? undefined : await findPostById(ctx.data.db, g.introductions_post_id);
  const introOk = intro && intro.deleted_at == null && intro.removed_at == null && intro.review_state === "published";
  return {
    welcomeSource: g.welcome_source,
    welcomeHtml: g.welcome_html,
    rulesHtml: g.rules_html,
    resources: await listGroupResources(ctx.data.db, g.id),
    introductions: introOk ? { id: intro.id, title: intro.title ?? "Introductions", path: postPath(intro) } : null,
  };
}

/** Which of these authors are new in the group. */
export function newHereAmong(ctx: Ctx, group: Actor, actorIds: number[]): Promise<Set<number>> {
  return newcomersAmong(ctx.data.db, group.id, actorIds, NEW_MEMBER_DAYS);
}

/** Whether the actor is an approved member who joined within NEW_MEMBER_DAYS. */
export async function isNewHere(ctx: Ctx, group: Actor, actorId: number): Promise<boolean> {
  if (!(await isApprovedMember(ctx.data.db, actorId, group.id))) return false;
  return (await newHereAmong(ctx, group, [actorId])).has(actorId);
}
