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
import { onResolve } from "./reports.ts";

type Handler = (ctx: Context<ContextData>, activity: Activity, via: Via) => Promise<void>;

const HANDLERS: Record<string, Handler> = {
  Resolve: onResolve,
};

export async function onUntypedActivity(ctx: Context<ContextData>, activity: Activity, via: Via = {}): Promise<void> {
  if (Object.getPrototypeOf(activity) !== Activity.prototype) return;
  const type = await rawType(activity);
  const handler = type ? HANDLERS[type] : undefined;
  if (handler) await handler(ctx, activity, via);
}
