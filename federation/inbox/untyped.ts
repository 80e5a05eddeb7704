/**
 * Activities whose type Fedify's vocabulary lacks arrive as plain
 * `Activity` objects (the listener for `Activity` catches them); their type
 * is read from the JSON as received.  Add a type here with its handler.
 * Known types without a listener of their own (`Block`, ...) also reach
 * this listener and are ignored.
 */
import type { Context } from "@fedify/fedify";
import { Activity } from "@fedify/vocab";
import type { ContextData } from "../context.ts";
import { rawType } from "../untyped-activity.ts";
import type { Via } from "./posts.ts";
import { isLock, onLockOrUnlock, rawJson } from "./post-moderation.ts";
import { onResolve } from "./reports.ts";

type Handler = (ctx: Context<ContextData>, activity: Activity, via: Via) => Promise<void>;

const onLock: Handler = async (ctx, activity, via) => {
  const json = await rawJson(activity);
  if (isLock(json)) await onLockOrUnlock(ctx, json, via);
};

const HANDLERS: Record<string, Handler> = {
  Resolve: onResolve,
  // Lemmy's Lock, however its context names it.
  Lock: onLock,
  "lemmy:Lock": onLock,
  "https://join-lemmy.org/ns#Lock": onLock,
};

export async function onUntypedActivity(ctx: Context<ContextData>, activity: Activity, via: Via = {}): Promise<void> {
  if (Object.getPrototypeOf(activity) !== Activity.prototype) return;
  const type = await rawType(activity);
  const handler = type ? HANDLERS[type] : undefined;
  if (handler) await handler(ctx, activity, via);
}
