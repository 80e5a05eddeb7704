/**
 * Pre-moderation for a group's moderators: the group's rules text, the
 * newcomer rule, keyword / link rules, and deciding on held posts.
 */
import type { Context } from "@fedify/fedify";
import { findActorById } from "../db/actors.ts";
import { findGroupById, updateGroup } from "../db/groups.ts";
import { logModeration } from "../db/moderation-log.ts";
import {
  addPremodRule,
  decideHeldPost,
  deletePremodRule,
  notifyReviewDecision,
  type PremodRuleRow,
} from "../db/premoderation.ts";
import type { Account, Actor, Post } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { publishHeldPost } from "../federation/member-actions.ts";
import { type PremodRule, validatePremodRule } from "../policy/premoderation.ts";
import { renderMarkdown } from "./markdown.ts";
import { requireLocalModerator } from "./membership.ts";
import { ValidationError } from "./names.ts";
import { notifyLocalMentions } from "./posts.ts";

type Ctx = Context<ContextData>;

export interface ModerationSettingsInput {
  rules?: unknown;
  holdFirstPosts?: unknown;
}

/** Changes a local group's rules text and newcomer rule. */
export async function changeModerationSettings(
  ctx: Ctx,
  account: Account,
  group: Actor,
  input: ModerationSettingsInput,
): Promise<void> {
  await requireLocalModerator(ctx, account, group);
  const changes: { rules_source?: string; rules_html?: string; hold_first_posts?: number } = {};
  if (input.rules != null) {
    if (typeof input.rules !== "string" || input.rules.length > 10_000) {
      throw new ValidationError("rules", "rules must be text of at most 10,000 characters");
    }
    changes.rules_source = input.rules;
    changes.rules_html = renderMarkdown(input.rules);
  }
  if (input.holdFirstPosts != null) {
    const n = typeof input.holdFirstPosts === "string" ? Number(input.holdFirstPosts) : input.holdFirstPosts;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 100) {
      throw new ValidationError("holdFirstPosts", "the number of first posts to review must be a whole number from 0 to 100");
    }
    changes.hold_first_posts = n;
  }
  if (Object.keys(changes).length === 0) throw new ValidationError("settings", "nothing to change");
  const settings = (await findGroupById(ctx.data.db, group.group_id!))!;
  await updateGroup(ctx.data.db, settings.slug, changes);
}

/** Adds a keyword, link-count or link-domain rule; invalid rules are refused with the reason. */
export async function addRule(ctx: Ctx, account: Account, group: Actor, input: Record<string, unknown>): Promise<PremodRuleRow> {
  await requireLocalModerator(ctx, account, group);
  const rule = {
    kind: input.kind,
    pattern: typeof input.pattern === "string" ? input.pattern.trim() : input.pattern,
    action: input.action,
  } as PremodRule;
  if (!["keyword", "link_count", "link_domain"].includes(rule.kind)) {
    throw new ValidationError("kind", "kind must be keyword, link_count or link_domain");
  }
  if (rule.action !== "hold" && rule.action !== "reject") throw new ValidationError("action", "action must be hold or reject");
  if (typeof rule.pattern !== "string") throw new ValidationError("pattern", "pattern must be text");
  const error = validatePremodRule(rule);
  if (error) throw new ValidationError("pattern", error);
  return await addPremodRule(ctx.data.db, { group_id: group.group_id!, kind: rule.kind, pattern: rule.pattern, action: rule.action });
}

export async function removeRule(ctx: Ctx, account: Account, group: Actor, ruleId: number): Promise<void> {
  await requireLocalModerator(ctx, account, group);
  if (!(await deletePremodRule(ctx.data.db, group.group_id!, ruleId))) throw new ValidationError("rule", "no such rule in this group");
}

/**
 * Approves (publishes and sends) or rejects a held post.  The author is
 * told; a rejection's reason is their statement of reasons.
 */
export async function decideHeld(
  ctx: Ctx,
  account: Account,
  post: Post,
  approve: boolean,
  reason = "",
): Promise<void> {
  const db = ctx.data.db;
  const group = (await findActorById(db, post.group_id))!;
  const { role, actor } = await requireLocalModerator(ctx, account, group);
  if (reason.length > 1000) throw new ValidationError("reason", "the reason is longer than 1,000 characters");
  const decided = await db.transaction().execute((trx) =>
    decideHeldPost(trx, post.id, approve ? "published" : "rejected", approve ? null : reason || null)
  );
  if (!decided) throw new ValidationError("post", "that post is not waiting for review (another moderator may have decided)");
  await logModeration(db, {
    group_actor_id: group.id,
    moderator_actor_id: actor?.id ?? null,
    moderator_role: role,
    action: approve ? "approve_post" : "reject_post",
    post_id: post.id,
    target_actor_id: null,
    reason,
  }, { notify: false });
  await notifyReviewDecision(db, post.id, approve);
  if (approve) {
    const author = (await findActorById(db, post.author_id))!;
    await publishHeldPost(ctx, group, decided, author);
    if (decided.local && decided.source) await notifyLocalMentions(ctx, decided, decided.source);
  }
}
