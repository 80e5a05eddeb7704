/** Joining groups, and moderators deciding on requests to join. */
import type { Context } from "@fedify/fedify";
import { findAccountActor, findActorById } from "../db/actors.ts";
import { deleteFollow, findFollow, hasApprovedMemberOn, setFollowState } from "../db/follows.ts";
import { isGroupModerator, staffRole } from "../db/groups.ts";
import { notifyJoinRejected } from "../db/notifications.ts";
import type { Account, Actor } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { newActivityId, sendFrom } from "../federation/delivery.ts";
import { isPartner } from "../federation/instance-policy.ts";
import { joinGroup, sendAccept, storedFollow } from "../federation/member-actions.ts";
import { Reject } from "@fedify/vocab";
import { ValidationError } from "./names.ts";
import { findActiveBan } from "../db/bans.ts";
import { banMessage } from "./ban-message.ts";
import { ForbiddenError } from "./posts.ts";

/** Whether the account moderates the (local) group, or administers the instance. */
export async function canModerate(ctx: Context<ContextData>, account: Account, group: Actor): Promise<boolean> {
  if (account.role === "admin" && group.local) return true;
  const actor = await findAccountActor(ctx.data.db, account.id);
  return actor != null && await isGroupModerator(ctx.data.db, group.id, actor.id);
}

/** The role the moderation log shows for a moderator: their place in the group, or "admin". */
export async function moderatorRole(
  ctx: Context<ContextData>,
  account: Account,
  actor: Actor | undefined,
  group: Actor,
): Promise<string> {
  const staff = actor ? await staffRole(ctx.data.db, group.id, actor.id) : undefined;
  if (staff === "owner" || staff === "moderator") return staff;
  return account.role === "admin" ? "admin" : "moderator";
}

/**
 * The acting moderator of a group (their actor, and their role for the
 * moderation log), or ForbiddenError.
 */
export async function actingModerator(
  ctx: Context<ContextData>,
  account: Account,
  group: Actor,
): Promise<{ role: string; actor: Actor }> {
  if (!(await canModerate(ctx, account, group))) throw new ForbiddenError("only this group's moderators may do that");
  const actor = (await findAccountActor(ctx.data.db, account.id))!;
  return { role: await moderatorRole(ctx, account, actor, group), actor };
}

/** As actingModerator, for a group that lives here. */
export async function requireLocalModerator(
  ctx: Context<ContextData>,
  account: Account,
  group: Actor,
): Promise<{ role: string; actor: Actor }> {
  if (!group.local) throw new ForbiddenError("only this group's moderators may do that");
  return await actingModerator(ctx, account, group);
}

/**
 * Why a request to join cannot be approved, if it cannot: a remote member of
 * a private group from a server that is not a `partner` (issue 6, item 1).
 */
export async function approvalRefusal(db: ContextData["db"], group: Actor, follower: Actor): Promise<string | undefined> {
  if (follower.local || group.visibility === "public" || await isPartner(db, follower.uri)) return undefined;
  return `${follower.host} is not a partner server: members from there cannot be approved into a private group`;
}

/** Approves or rejects a pending request to join a local group. */
export async function decideJoinRequest(
  ctx: Context<ContextData>,
  group: Actor,
  followerId: number,
  approve: boolean,
): Promise<void> {
  const follow = await findFollow(ctx.data.db, followerId, group.id);
  if (!follow || follow.state !== "pending") throw new ValidationError("request", "no pending request from that actor");
  const follower = (await findActorById(ctx.data.db, followerId))!;
  const refusal = approve ? await approvalRefusal(ctx.data.db, group, follower) : undefined;
  if (refusal) throw new ValidationError("request", refusal);
  if (approve) {
    await setFollowState(ctx.data.db, followerId, group.id, "accepted");
    if (!follower.local) await sendAccept(ctx, group, follower, storedFollow(follower, group, follow.activity_uri));
  } else {
    await deleteFollow(ctx.data.db, followerId, group.id);
    await notifyJoinRejected(ctx.data.db, followerId, group.id);
    if (!follower.local) {
      const reject = new Reject({
        id: newActivityId(ctx),
        actor: new URL(group.uri),
        object: storedFollow(follower, group, follow.activity_uri),
      });
      await sendFrom(ctx, group, [follower], reject);
    }
  }
}

/** Joins a group (or asks to), unless the member is banned from it. */
export async function join(ctx: Context<ContextData>, member: Actor, group: Actor): Promise<"accepted" | "pending"> {
  const ban = await findActiveBan(ctx.data.db, group.id, member.id);
  if (ban) throw new ForbiddenError(banMessage(ban));
  return await joinGroup(ctx, member, group);
}

/**
 * The warning shown to moderators before they approve a request (issue 6):
 * the first member from another server lets that server's admins read the
 * group from then on (they can fetch its content with their instance's
 * key, and it is delivered there).  Undefined when nothing new is opened.
 */
export async function newServerWarning(db: ContextData["db"], group: Actor, follower: Actor): Promise<string | undefined> {
  if (follower.local || group.visibility === "local") return undefined;
  if (await hasApprovedMemberOn(db, group.id, follower.host)) return undefined;
  return group.visibility === "private"
    ? `First member from ${follower.host}: the admins of ${follower.host} will be able to read this group from now on.`
    : `First member from ${follower.host}: this group's posts will be delivered to ${follower.host} from now on.`;
}
