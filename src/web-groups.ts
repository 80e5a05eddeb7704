/** Finding groups for the web pages: by handle or URL, and a group page's facts. */
import { type GroupResource, listGroupResources } from "../db/group-resources.ts";
import type { Context } from "@fedify/fedify";
import { findActorById } from "../db/actors.ts";
import { findFollow } from "../db/follows.ts";
import { findGroupById, listGroupStaff, MODERATOR_ROLES } from "../db/groups.ts";
import type { Actor, Group, StaffRole } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { localGroupBySlug } from "../federation/local-groups.ts";
import { mayFederateWith } from "../federation/instance-policy.ts";
import { PolicyRefusal, resolveHandleOrUri } from "../federation/remote-actors.ts";
import { ValidationError } from "./names.ts";
import { findDirectoryEntry, findRemoteGroupTags } from "../db/directory.ts";
import type { ConditionTag } from "../policy/condition-tags.ts";

/**
 * The group a member typed: a local slug, `@name@host` or a URL (the same
 * lookup as `POST /api/v1/groups/follow`).
 */
export async function findGroupByHandle(ctx: Context<ContextData>, handle: string): Promise<Actor | undefined> {
  const text = handle.trim();
  if (text === "") return undefined;
  const local = /^[a-z0-9][a-z0-9_-]*$/.test(text) ? await localGroupBySlug(ctx, text) : undefined;
  const group = local?.actor ?? await resolveHandleOrUri(ctx, text).catch((error) => {
    // Say why, rather than "not found", when the federation policy stops it.
    if (error instanceof PolicyRefusal) throw new ValidationError("handle", error.message);
    return undefined;
  });
  return group?.type === "Group" ? group : undefined;
}

/** The group with that actor id; undefined for no id (a malformed one) or no group. */
export async function findGroupActorById(ctx: Context<ContextData>, id: number | undefined): Promise<Actor | undefined> {
  if (id == null) return undefined;
  const actor = await findActorById(ctx.data.db, id);
  return actor?.type === "Group" ? actor : undefined;
}

export interface GroupFacts {
  actor: Actor;
  handle: string;
  /** Handles of a local group's moderators (remote groups: not known yet). */
  moderators: string[];
  /** Handles of the group's mentors (a badge, no moderation powers). */
  mentors: string[];
  memberCount: number;
  membership: "accepted" | "pending" | null;
  /** A local group's rules (rendered Markdown), empty when it has none. */
  rulesHtml: string;
  /** Links to reliable information its moderators pinned. */
  resources: GroupResource[];
  /** Condition tags and languages: a local group's own, a remote group's as its server's directory lists them. */
  conditionTags: ConditionTag[];
  languages: string[];
}

export async function groupFacts(ctx: Context<ContextData>, actor: Actor, viewer?: Actor, group?: Group): Promise<GroupFacts> {
  const db = ctx.data.db;
  const row = group ?? (actor.group_id != null ? await findGroupById(db, actor.group_id) : undefined);
  // One query for the whole staff (owner, moderators, mentors, in that order).
  const staff = await listGroupStaff(db, actor.id);
  const handles = (roles: readonly StaffRole[]) =>
    staff.filter((m) => roles.includes(m.role)).map((m) => `@${m.username}@${m.host}`);
  const follow = viewer ? await findFollow(db, viewer.id, actor.id) : undefined;
  // A remote group: what its server's directory says (with labels), else the hashtags on its actor.
  // (A peer's listing only while the policy lets us federate with it and the group is not blocked.)
  const fromDirectory = !actor.local && actor.blocked_at == null && actor.deleted_at == null &&
    await mayFederateWith(db, actor.uri);
  const listed = row ?? (fromDirectory ? await findDirectoryEntry(db, actor.uri) : undefined) ??
    (actor.local ? undefined : { condition_tags: await findRemoteGroupTags(db, actor.id), languages: [] as string[] });
  return {
    actor,
    handle: `@${actor.username}@${actor.host}`,
    moderators: handles(MODERATOR_ROLES),
    mentors: handles(["mentor"]),
    // Kept by the trigger of migration 0019; the row was read for this request.
    memberCount: actor.follower_count,
    membership: follow?.state ?? null,
    rulesHtml: row?.rules_html ?? "",
    resources: row ? await listGroupResources(db, row.id) : [],
    conditionTags: listed?.condition_tags ?? [],
    languages: listed?.languages ?? [],
  };
}
