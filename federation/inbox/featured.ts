/** Pinning and unpinning a thread (`Add` / `Remove` to a group's featured collection). */
import type { Context } from "@fedify/fedify";
import { Add, type Remove } from "@fedify/vocab";
import { logModeration } from "../../db/moderation-log.ts";
import { setPinned } from "../../db/post-moderation.ts";
import { findPostByUri } from "../../db/posts.ts";
import type { Actor } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { redistribute } from "../delivery.ts";
import { requireModerator } from "../moderation-authority.ts";
import { RefusedError } from "../store-post.ts";
import type { Via } from "./posts.ts";

export async function onFeaturedChange(
  ctx: Context<ContextData>,
  activity: Add | Remove,
  group: Actor,
  via: Via,
): Promise<void> {
  const authority = await requireModerator(ctx.data, group, activity.actorId!, via.viaGroup);
  const post = activity.objectId ? await findPostByUri(ctx.data.db, activity.objectId.href) : undefined;
  if (!post || post.group_id !== group.id || post.parent_id != null) {
    throw new RefusedError(`${activity.objectId?.href} is not a thread of ${group.uri} that we know`);
  }
  const pin = activity instanceof Add;
  await setPinned(ctx.data.db, post.id, pin);
  await logModeration(ctx.data.db, {
    group_actor_id: group.id,
    moderator_actor_id: authority.moderator?.id ?? null,
    moderator_role: authority.role,
    action: pin ? "pin_post" : "unpin_post",
    post_id: post.id,
    activity_uri: activity.id?.href ?? null,
  });
  if (group.local && !via.viaGroup) await redistribute(ctx, group, activity, undefined, post.uri);
}
