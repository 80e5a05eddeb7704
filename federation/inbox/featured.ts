/** Pinning and unpinning a thread (`Add` / `Remove` to a group's featured collection). */
import type { Context } from "@fedify/fedify";
import type { Add, Remove } from "@fedify/vocab";
import type { Actor } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { RefusedError } from "../store-post.ts";
import type { Via } from "./posts.ts";

export function onFeaturedChange(
  _ctx: Context<ContextData>,
  activity: Add | Remove,
  _group: Actor,
  _via: Via,
): Promise<void> {
  return Promise.reject(new RefusedError(`${activity.id?.href}: pinning is not supported yet`));
}
