/**
 * A local group's settings as its owner, moderators and the instance's
 * admins change them on the settings page or with `PATCH /api/v1/groups/:id`:
 * name, description, rules, join policy, visibility, the newcomer rule, and
 * onboarding: the welcome message and the introductions thread.
 * The changes go through src/groups.ts#changeGroup (which sends
 * `Update(Group)` to remote followers) and
 * src/premoderation.ts#changeModerationSettings.
 */
import type { Context } from "@fedify/fedify";
import { findGroupById } from "../db/groups.ts";
import type { Account, Actor, Group, GroupVisibility } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { describeServers, followersOutsidePartners } from "../federation/private-groups.ts";
import { changeGroup, checkAudience, checkConditionTags, checkDescription, checkLanguages, checkGroupName, checkJoinPolicy, checkVisibility, type GroupChanges } from "./groups.ts";
import { requireLocalModerator } from "./membership.ts";
import { ValidationError } from "./names.ts";
import { checkIntroductionsThread, checkWelcome, saveOnboarding } from "./onboarding.ts";
import { changeModerationSettings } from "./premoderation.ts";

type Ctx = Context<ContextData>;

export interface GroupSettingsInput {
  name?: unknown;
  description?: unknown;
  rules?: unknown;
  joinPolicy?: unknown;
  visibility?: unknown;
  /** Whom the group is for: everyone, patients, caregivers (src/caregivers.ts). */
  audience?: unknown;
  holdFirstPosts?: unknown;
  /** Shown to new members (Markdown); "" for none. */
  welcome?: unknown;
  /** The introductions thread (a thread of this group), or null / "" for none. */
  introductionsThreadId?: unknown;
  /** Condition tags (policy/condition-tags.ts): text, one per line, or a list of codes or { code, label }. */
  conditionTags?: unknown;
  /** Languages: BCP 47 tags, as text or a list. */
  languages?: unknown;
  /** List this (public) group in other instances' directories. */
  listedElsewhere?: unknown;
  /** Must be true to make a group less private (local → private or public, private → public). */
  confirmLessPrivate?: unknown;
  /** Must be true to make a group private when that removes members on servers that are not partners. */
  confirmRemoveMembers?: unknown;
}

/** How much each visibility keeps to itself: local-only most, public least. */
const PRIVACY: Record<GroupVisibility, number> = { public: 0, private: 1, local: 2 };

/** What a group's visibility means, in plain words (the settings page and the API's error). */
export const VISIBILITY_EXPLAINED: Record<GroupVisibility, string> = {
  public: "Anyone can read the group's threads and replies, here and on other servers, and search engines may list it. " +
    "Posts are sent to every member's server.",
  private: "Only approved members, the group's moderators and this server's admins can read threads and replies. " +
    "Anyone can see the name and description and ask to join. Members from other servers can join only from " +
    "partner servers, and the admins of those servers can then read the group too.",
  local: "Only people with an account on this server can see the group at all; nothing is ever sent to other " +
    "servers, and members from other servers cannot join.",
};

/** Thrown when a change would make the group less private and was not confirmed. */
export class LessPrivateError extends ValidationError {
  constructor(readonly from: GroupVisibility, readonly to: GroupVisibility) {
    super(
      "confirmLessPrivate",
      `making this group ${to === "local" ? "local-only" : to} instead of ${from === "local" ? "local-only" : from} ` +
        `makes it less private: ${VISIBILITY_EXPLAINED[to]} Confirm to go ahead.`,
    );
  }
}

/**
 * Thrown when making a group private would remove members on servers that
 * are not partners, and this was not confirmed.
 */
export class RemovesMembersError extends ValidationError {
  readonly count: number;
  readonly servers: string;
  constructor(count: number, servers: string) {
    super(
      "confirmRemoveMembers",
      `making this group private removes ${count === 1 ? "1 member" : `${count} members`} on ` +
        `servers that are not partners: ${servers}. They are told that they are no longer members; nothing more is sent ` +
        "to those servers, and nothing they send is taken in. Confirm to go ahead.",
    );
    this.count = count;
    this.servers = servers;
  }
}

export function isLessPrivate(from: GroupVisibility, to: GroupVisibility): boolean {
  return PRIVACY[to] < PRIVACY[from];
}

function text(value: unknown, field: string): string | undefined {
  if (value == null) return undefined;
  if (typeof value !== "string") throw new ValidationError(field, `${field} must be text`);
  return value;
}

/**
 * Checks everything first, then writes: nothing changes when any field is
 * wrong, or when the group would become less private without confirmation.
 */
export async function changeGroupSettings(ctx: Ctx, account: Account, group: Actor, input: GroupSettingsInput): Promise<Group> {
  await requireLocalModerator(ctx, account, group);
  const current = (await findGroupById(ctx.data.db, group.group_id!))!;
  const changes: GroupChanges = {};
  const name = text(input.name, "name");
  if (name != null && name.trim() !== current.name) changes.name = checkGroupName(name);
  const description = text(input.description, "description");
  if (description != null && description !== current.summary_source) changes.description = checkDescription(description);
  const joinPolicy = text(input.joinPolicy, "joinPolicy");
  if (joinPolicy != null && joinPolicy !== current.join_policy) changes.joinPolicy = checkJoinPolicy(joinPolicy);
  const visibility = text(input.visibility, "visibility");
  if (visibility != null && visibility !== current.visibility) {
    const to = checkVisibility(visibility);
    if (isLessPrivate(current.visibility, to) && input.confirmLessPrivate !== true) {
      throw new LessPrivateError(current.visibility, to);
    }
    if (to === "private") {
      const outside = await followersOutsidePartners(ctx.data.db, group);
      if (outside.length > 0 && input.confirmRemoveMembers !== true) {
        throw new RemovesMembersError(outside.length, describeServers(outside));
      }
    }
    changes.visibility = to;
  }
  const audience = text(input.audience, "audience");
  // A form from before the field existed sends none.
  if (audience != null && audience !== "" && audience !== current.audience) changes.audience = checkAudience(audience);
  if (input.conditionTags != null) {
    const tags = checkConditionTags(input.conditionTags);
    if (JSON.stringify(tags) !== JSON.stringify(current.condition_tags)) changes.conditionTags = tags;
  }
  if (input.languages != null) {
    const languages = checkLanguages(input.languages);
    if (JSON.stringify(languages) !== JSON.stringify(current.languages)) changes.languages = languages;
  }
  if (input.listedElsewhere != null) {
    if (typeof input.listedElsewhere !== "boolean") throw new ValidationError("listedElsewhere", "listedElsewhere must be true or false");
    if (input.listedElsewhere !== current.listed_elsewhere) changes.listedElsewhere = input.listedElsewhere;
  }
  const rules = text(input.rules, "rules");
  const moderation = {
    rules: rules != null && rules !== current.rules_source ? rules : undefined,
    holdFirstPosts: input.holdFirstPosts != null && String(input.holdFirstPosts) !== String(current.hold_first_posts)
      ? input.holdFirstPosts
      : undefined,
  };
  const anyModeration = moderation.rules != null || moderation.holdFirstPosts != null;
  const welcome = input.welcome == null ? undefined : checkWelcome(input.welcome);
  const introductions = input.introductionsThreadId === undefined
    ? undefined
    : await checkIntroductionsThread(ctx, group, input.introductionsThreadId);
  const anyOnboarding = (welcome != null && welcome !== current.welcome_source) ||
    (introductions !== undefined && introductions !== current.introductions_post_id);
  if (Object.keys(changes).length === 0 && !anyModeration && !anyOnboarding) return current;
  // changeModerationSettings checks all its fields before it writes; the group's were checked above.
  if (anyModeration) await changeModerationSettings(ctx, account, group, moderation);
  if (anyOnboarding) await saveOnboarding(ctx, current, welcome, introductions);
  if (Object.keys(changes).length > 0) return await changeGroup(ctx.data.db, current.slug, changes, ctx);
  return (await findGroupById(ctx.data.db, current.id))!;
}
