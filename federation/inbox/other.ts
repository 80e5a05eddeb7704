/**
 * Activities of types Fedify has no class for: it parses them as plain
 * `Activity`s and keeps their JSON.  Lemmy's `Lock` is handled; anything
 * else is acknowledged and ignored.
 */
import type { Context } from "@fedify/fedify";
import type { Activity } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { ContextData } from "../context.ts";
import { isLock, onLockOrUnlock, rawJson } from "./post-moderation.ts";

const logger = getLogger(["kindred", "federation", "inbox"]);

export async function onOtherActivity(ctx: Context<ContextData>, activity: Activity): Promise<void> {
  const json = await rawJson(activity);
  if (isLock(json)) return await onLockOrUnlock(ctx, json, {});
  logger.debug("{type} {id} is not handled; ignored", { type: json.type, id: activity.id?.href });
}
