/**
 * Feedback to a group's managers: a member's short private message
 * (suggestion, problem, praise, other) to the moderators of a local group.
 * Never public, never federated (a remote group's managers are on its own
 * server, which has no federated form for this yet).
 */
import type { Context } from "@fedify/fedify";
import { type FeedbackView, insertFeedback, listFeedback, setHandled } from "../db/feedback.ts";
import { type Account, type Actor, FEEDBACK_CATEGORIES, type FeedbackCategory } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { canModerate } from "./membership.ts";
import { ValidationError } from "./names.ts";
import { ForbiddenError, requireMember } from "./posts.ts";

type Ctx = Context<ContextData>;

export const MAX_FEEDBACK_LENGTH = 2000;
export const CATEGORY_LABELS: Record<FeedbackCategory, string> = {
  suggestion: "A suggestion",
  problem: "A problem",
  praise: "Praise",
  other: "Something else",
};

export async function sendFeedback(ctx: Ctx, author: Actor, group: Actor, input: Record<string, unknown>) {
  if (!group.local) {
    throw new ValidationError("group", "feedback goes to the group's own server, and Kindred cannot send it there yet");
  }
  const category = input.category;
  if (typeof category !== "string" || !FEEDBACK_CATEGORIES.includes(category as FeedbackCategory)) {
    throw new ValidationError("category", "choose what kind of feedback this is");
  }
  const body = typeof input.body === "string" ? input.body.trim() : "";
  if (body === "") throw new ValidationError("body", "write your feedback");
  if (body.length > MAX_FEEDBACK_LENGTH) throw new ValidationError("body", `feedback is longer than ${MAX_FEEDBACK_LENGTH} characters`);
  await requireMember(ctx, author, group);
  return await insertFeedback(ctx.data.db, {
    groupActorId: group.id,
    authorActorId: author.id,
    category: category as FeedbackCategory,
    body,
  });
}

async function requireModerator(ctx: Ctx, account: Account, group: Actor): Promise<void> {
  if (!group.local || !(await canModerate(ctx, account, group))) {
    throw new ForbiddenError("only this group's moderators may read its feedback");
  }
}

export async function listGroupFeedback(ctx: Ctx, account: Account, group: Actor): Promise<FeedbackView[]> {
  await requireModerator(ctx, account, group);
  return await listFeedback(ctx.data.db, group.id);
}

export async function markHandled(ctx: Ctx, account: Account, actor: Actor, group: Actor, id: number): Promise<void> {
  await requireModerator(ctx, account, group);
  if (!(await setHandled(ctx.data.db, group.id, id, actor.id))) throw new ValidationError("feedback", "no such feedback");
}

export function feedbackJson(f: FeedbackView) {
  return {
    id: f.id,
    category: f.category,
    body: f.body,
    created: f.created_at.toISOString(),
    handled: f.handled_at?.toISOString() ?? null,
    author: f.author_username ? { handle: `@${f.author_username}@${f.author_host}`, name: f.author_name } : null,
  };
}
