/**
 * `Add` and `Remove` (Lemmy): to a group's featured collection (pin and
 * unpin a thread, federation/inbox/featured.ts) or to its moderators
 * collection (appoint and dismiss a moderator, federation/inbox/moderators.ts).
 * The target names the collection; the group is the one whose featured or
 * moderators URL it is.
 */
import type { Context } from "@fedify/fedify";
import type { Add, Remove } from "@fedify/vocab";
import type { Actor } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { RefusedError } from "../store-post.ts";
import { onFeaturedChange } from "./featured.ts";
import { onModeratorsChange } from "./moderators.ts";
import type { Via } from "./posts.ts";

export async function onAddOrRemove(ctx: Context<ContextData>, activity: Add | Remove, via: Via = {}): Promise<void> {
  const target = activity.targetId;
  if (!target || !activity.actorId) throw new RefusedError(`${activity.id?.href}: no target or actor`);
  const group = await groupOfCollection(ctx, target);
  if (!group) throw new RefusedError(`${target.href} is not the featured or moderators collection of a group we know`);
  if (group.actor.featured_url === target.href) await onFeaturedChange(ctx, activity, group.actor, via);
  else await onModeratorsChange(ctx, activity, group.actor, via);
}

async function groupOfCollection(ctx: Context<ContextData>, target: URL): Promise<{ actor: Actor } | undefined> {
  const actor = await ctx.data.db.selectFrom("actors").selectAll()
    .where("type", "=", "Group")
    .where((eb) => eb.or([eb("featured_url", "=", target.href), eb("moderators_url", "=", target.href)]))
    .executeTakeFirst();
  return actor ? { actor } : undefined;
}
