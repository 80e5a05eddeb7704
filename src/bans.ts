/**
 * Banning members from a group, by its moderators (and instance admins for
 * local groups).  In a local group the ban takes effect at once and the
 * group announces the `Block`; in a remote group that lists us as moderator,
 * the `Block` goes to the group, and takes effect here when the group
 * announces it back.
 */
import type { Context } from "@fedify/fedify";
import { findActorById } from "../db/actors.ts";
import { deleteBan, recordBan, setBanActivity } from "../db/bans.ts";
import { staffRole } from "../db/groups.ts";
import { logModeration } from "../db/moderation-log.ts";
import type { Account, Actor } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { sendBan, sendUnban } from "../federation/staff-actions.ts";
import { actingModerator } from "./membership.ts";
import { ValidationError } from "./names.ts";
import { ForbiddenError } from "./posts.ts";

type Ctx = Context<ContextData>;

export interface BanInput {
  reason?: unknown;
  /** Days until the ban ends; null or undefined: until lifted. */
  days?: unknown;
  removeData?: unknown;
}

/** The duration choices of the web form, in days (null: permanent). */
export const BAN_DURATIONS: readonly { days: number | null; label: string }[] = [
  { days: 1, label: "1 day" },
  { days: 7, label: "7 days" },
  { days: 30, label: "30 days" },
  { days: null, label: "Permanent (until lifted)" },
];

function checkReason(reason: unknown): string {
  if (typeof reason !== "string" || reason.trim() === "") {
    throw new ValidationError("reason", "give a reason: the member is told it");
  }
  if (reason.length > 500) throw new ValidationError("reason", "reason is longer than 500 characters");
  return reason.trim();
}

function checkDays(days: unknown): number | null {
  if (days == null || days === "" || days === "permanent") return null;
  const n = Number(days);
  if (!Number.isInteger(n) || n < 1 || n > 3650) {
    throw new ValidationError("days", "duration must be a whole number of days from 1 to 3650, or permanent");
  }
  return n;
}

async function bannable(ctx: Ctx, group: Actor, targetId: number, moderator: Actor): Promise<Actor> {
  const target = await findActorById(ctx.data.db, targetId);
  if (!target || target.type === "Group" || target.type === "Application") {
    throw new ValidationError("actor", "no such member");
  }
  if (target.id === moderator.id) throw new ValidationError("actor", "you cannot ban yourself");
  const role = await staffRole(ctx.data.db, group.id, target.id);
  if (role === "owner") throw new ValidationError("actor", "the group's owner cannot be banned");
  return target;
}

/**
 * Bans `targetId` from `group`.  Returns "banned" (in force now) or "sent"
 * (a remote group decides).
 */
export async function banMember(
  ctx: Ctx,
  account: Account,
  group: Actor,
  targetId: number,
  input: BanInput,
): Promise<"banned" | "sent"> {
  const reason = checkReason(input.reason);
  const days = checkDays(input.days);
  const removeData = input.removeData === true || input.removeData === "on";
  const mod = await actingModerator(ctx, account, group);
  const target = await bannable(ctx, group, targetId, mod.actor);
  const expiresAt = days == null ? null : new Date(Date.now() + days * 86_400_000);
  const activity = { reason, expiresAt, removeData };
  if (!group.local) {
    await sendBan(ctx, mod.actor, group, target, activity);
    return "sent";
  }
  await recordBan(ctx.data.db, {
    groupActorId: group.id,
    actorId: target.id,
    reason,
    expiresAt,
    bannedBy: mod.actor.id,
    activityUri: null,
    removeData,
    moderatorRole: mod.role,
  });
  await setBanActivity(ctx.data.db, group.id, target.id, await sendBan(ctx, mod.actor, group, target, activity));
  return "banned";
}

/** Lifts a ban.  Returns "lifted", "sent" (a remote group decides) or "none". */
export async function unbanMember(ctx: Ctx, account: Account, group: Actor, targetId: number) {
  const mod = await actingModerator(ctx, account, group);
  const target = await findActorById(ctx.data.db, targetId);
  if (!target) throw new ValidationError("actor", "no such member");
  if (!group.local) {
    await sendUnban(ctx, mod.actor, group, target);
    return "sent" as const;
  }
  if (!(await deleteBan(ctx.data.db, group.id, target.id))) return "none" as const;
  await logModeration(ctx.data.db, {
    group_actor_id: group.id,
    moderator_actor_id: mod.actor.id,
    moderator_role: mod.role,
    action: "unban",
    target_actor_id: target.id,
  });
  await sendUnban(ctx, mod.actor, group, target);
  return "lifted" as const;
}
