/** Follow, Accept, Reject and Undo(Follow): membership of groups. */
import { findActiveBan } from "../../db/bans.ts";
import type { Context } from "@fedify/fedify";
import { Accept, Follow, Reject } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { findActorByUri } from "../../db/actors.ts";
import { deleteFollow, findFollow, setFollowState, upsertFollow } from "../../db/follows.ts";
import { notifyJoinRejected } from "../../db/notifications.ts";
import type { Actor } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { newActivityId, sendFrom } from "../delivery.ts";
import { sendAccept } from "../member-actions.ts";
import { localGroupByUri } from "../local-groups.ts";
import { isPartner } from "../instance-policy.ts";
import { resolveActor } from "../remote-actors.ts";

const logger = getLogger(["kindred", "federation", "follows"]);

/** Sent as the `summary` of the Reject of a join request from a server that is not a partner. */
export const NOT_PARTNER_REASON =
  "This support group is private: only members of servers its instance lists as partners may join.";

/** A remote actor asks to join a local group: open groups accept at once. */
export async function onFollow(ctx: Context<ContextData>, follow: Follow): Promise<void> {
  if (!follow.id || !follow.actorId) return;
  const target = await localGroupByUri(ctx, follow.objectId);
  if (!target) {
    await rejectNonGroupFollow(ctx, follow);
    return;
  }
  // A local-only group is never federated: nothing is sent back, not even a
  // Reject, which would tell another server that the group exists.
  if (target.group.visibility === "local") {
    logger.info("Follow of local-only group {group} from {actor} refused", { group: target.group.slug, actor: follow.actorId.href });
    return;
  }
  const follower = await resolveActor(ctx, follow.actorId);
  // A private group's content goes only to partner servers: a request from
  // any other server is rejected at once, with the reason.
  if (target.group.visibility === "private" && !(await isPartner(ctx.data.db, follower.uri))) {
    logger.info("{follower} asks to join private group {group} from a server that is not a partner: rejected", {
      follower: follower.uri,
      group: target.group.slug,
    });
    const reject = new Reject({
      id: newActivityId(ctx),
      actor: new URL(target.actor.uri),
      object: follow,
      summary: NOT_PARTNER_REASON,
    });
    await sendFrom(ctx, target.actor, [follower], reject);
    return;
  }
  // Someone banned from the group does not get back in by following it again.
  if (await findActiveBan(ctx.data.db, target.actor.id, follower.id)) {
    logger.info("{follower} is banned from {group}: Follow rejected", { follower: follower.uri, group: target.group.slug });
    const reject = new Reject({ id: newActivityId(ctx), actor: new URL(target.actor.uri), object: follow });
    await sendFrom(ctx, target.actor, [follower], reject);
    return;
  }
  const existing = await findFollow(ctx.data.db, follower.id, target.actor.id);
  // A private group always asks its moderators.
  const open = target.group.join_policy === "open" && target.group.visibility === "public";
  if (open || existing?.state === "accepted") {
    // A member who sends Follow again (its server lost track) is answered again.
    await upsertFollow(ctx.data.db, follower.id, target.actor.id, "accepted", follow.id.href);
    await sendAccept(ctx, target.actor, follower, follow);
  } else {
    await upsertFollow(ctx.data.db, follower.id, target.actor.id, "pending", follow.id.href);
    logger.info("{follower} asks to join {group}", { follower: follower.uri, group: target.group.slug });
  }
}

/**
 * Members and the instance actor cannot be followed (only groups can): say
 * so with a Reject, rather than leave the follower's request pending forever.
 */
async function rejectNonGroupFollow(ctx: Context<ContextData>, follow: Follow): Promise<void> {
  const parsed = follow.objectId ? ctx.parseUri(follow.objectId) : null;
  if (parsed?.type !== "actor" || !follow.actorId) {
    logger.debug("Follow of {object}, which is not a local actor; ignored", { object: follow.objectId?.href });
    return;
  }
  const target = await findActorByUri(ctx.data.db, follow.objectId!.href);
  if (!target?.local) return;
  const follower = await resolveActor(ctx, follow.actorId);
  await sendFrom(ctx, target, [follower], new Reject({ id: newActivityId(ctx), actor: new URL(target.uri), object: follow }));
}

/** A remote group answers a local member's Follow. */
export async function onAcceptOrReject(ctx: Context<ContextData>, answer: Accept | Reject): Promise<void> {
  if (!answer.actorId) return;
  const group = await findActorByUri(ctx.data.db, answer.actorId.href);
  if (!group || group.local) return;
  // The Follow is ours: match it by id rather than trusting the embedded copy.
  const followId = answer.objectId?.href;
  const rows = await ctx.data.db.selectFrom("follows")
    .innerJoin("actors", "actors.id", "follows.follower_id")
    .select(["follows.follower_id", "follows.activity_uri"])
    .where("follows.followee_id", "=", group.id)
    .where("actors.local", "=", true)
    .execute();
  // Only the Follow it names: never guess.
  const match = rows.find((r) => r.activity_uri === followId);
  if (!match) return;
  if (answer instanceof Accept) {
    await setFollowState(ctx.data.db, match.follower_id, group.id, "accepted");
  } else {
    await deleteFollow(ctx.data.db, match.follower_id, group.id);
    await notifyJoinRejected(ctx.data.db, match.follower_id, group.id);
  }
}

/** Undo(Follow): leaving a local group. */
export async function onUndoFollow(ctx: Context<ContextData>, actorId: URL, follow: Follow): Promise<void> {
  if (follow.actorId?.href !== actorId.href) return;
  const target = await localGroupByUri(ctx, follow.objectId);
  const follower = await findActorByUri(ctx.data.db, actorId.href);
  if (!target || !follower) return;
  if (await findFollow(ctx.data.db, follower.id, target.actor.id)) {
    await deleteFollow(ctx.data.db, follower.id, target.actor.id);
  }
}
