/** Appointing and dismissing moderators (`Add` / `Remove` to a group's moderators collection). */
import type { Context } from "@fedify/fedify";
import type { Add, Remove } from "@fedify/vocab";
import type { Actor } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { RefusedError } from "../store-post.ts";
import type { Via } from "./posts.ts";

export function onModeratorsChange(
  _ctx: Context<ContextData>,
  activity: Add | Remove,
  _group: Actor,
  _via: Via,
): Promise<void> {
  return Promise.reject(new RefusedError(`${activity.id?.href}: appointing moderators is not supported yet`));
}
