/**
 * Sending: activity ids, the record of what local actors sent (served at
 * those ids), and group redistribution (FEP-1b12 `Announce`).
 */
import type { Context } from "@fedify/fedify";
import { type Activity, Announce, type Object as APObject, PUBLIC_COLLECTION, type Recipient } from "@fedify/vocab";
import { recordActivity } from "../db/activities.ts";
import { listRemoteFollowers } from "../db/follows.ts";
import type { Actor } from "../db/schema.ts";
import type { ContextData } from "./context.ts";

/** A new id for an activity sent by this instance. */
export function newActivityId(ctx: Context<ContextData>): URL {
  return new URL(`/activities/${crypto.randomUUID()}`, ctx.origin);
}

export function recipientOf(actor: Actor): Recipient {
  return {
    id: new URL(actor.uri),
    inboxId: actor.inbox_url ? new URL(actor.inbox_url) : null,
    endpoints: actor.shared_inbox_url ? { sharedInbox: new URL(actor.shared_inbox_url) } : null,
  };
}

/** Keeps what a local actor sent, so that peers can fetch it at its id. */
export async function remember(ctx: Context<ContextData>, sender: Actor, activity: Activity): Promise<void> {
  if (!activity.id) return;
  const json = await activity.toJsonLd({ contextLoader: ctx.contextLoader });
  await recordActivity(ctx.data.db, sender.id, activity.id.href, activity.constructor.name, json);
}

/** Sends `activity` from a local actor to the given remote actors, and remembers it. */
export async function sendFrom(
  ctx: Context<ContextData>,
  sender: Actor,
  recipients: Actor[],
  activity: Activity,
): Promise<void> {
  await remember(ctx, sender, activity);
  const remote = recipients.filter((r) => !r.local && r.inbox_url);
  if (remote.length === 0) return;
  await ctx.sendActivity({ identifier: sender.username }, remote.map(recipientOf), activity, {
    preferSharedInbox: true,
    excludeBaseUris: [new URL(ctx.origin)],
  });
}

/**
 * A local group passes an accepted activity on to its followers, unchanged,
 * inside an `Announce` (FEP-1b12); new posts are also announced as objects,
 * so that Mastodon-style followers see them.
 */
export async function redistribute(
  ctx: Context<ContextData>,
  group: Actor,
  activity: Activity,
  object?: APObject,
): Promise<void> {
  const followers = await allRemoteFollowers(ctx, group);
  for (const inner of object ? [activity, object] : [activity]) {
    const announce = new Announce({
      id: newActivityId(ctx),
      actor: new URL(group.uri),
      object: inner,
      tos: [PUBLIC_COLLECTION],
      ccs: group.followers_url ? [new URL(group.followers_url)] : [],
      audience: new URL(group.uri),
    });
    await sendFrom(ctx, group, followers, announce);
  }
}

async function allRemoteFollowers(ctx: Context<ContextData>, group: Actor): Promise<Actor[]> {
  const all: Actor[] = [];
  for (let after = 0;;) {
    const page = await listRemoteFollowers(ctx.data.db, group.id, after, 5000);
    all.push(...page);
    if (page.length < 5000) return all;
    after = page[page.length - 1].id;
  }
}
