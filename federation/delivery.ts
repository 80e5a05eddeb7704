/**
 * Sending: activity ids, the record of what local actors sent (served at
 * those ids), and group redistribution (FEP-1b12 `Announce`).
 */
import type { Context } from "@fedify/fedify";
import {
  Accept,
  type Activity,
  Follow,
  type Object as APObject,
  type Recipient,
  Reject,
  Undo,
  Update,
} from "@fedify/vocab";
import { recordActivity } from "../db/activities.ts";
import type { Actor } from "../db/schema.ts";
import type { ContextData } from "./context.ts";
import { announceDocuments } from "./announce-json.ts";
import { groupAudience, withinAudience } from "./audience.ts";
import { contentRecipients, enqueueGroupFanout, type FanoutActivity } from "./group-fanout.ts";
import { isLimited, mayFederateWith } from "./instance-policy.ts";
import { plainJsonLd } from "./json-ld-extensions.ts";
import { getLogger } from "@logtape/logtape";

const logger = getLogger(["kindred", "federation", "delivery"]);
const ANNOUNCE = "https://www.w3.org/ns/activitystreams#Announce";

/** A new id for an activity sent by this instance. */
export function newActivityId(ctx: Context<ContextData>): URL {
  return new URL(`/activities/${crypto.randomUUID()}`, ctx.origin);
}

/**
 * An actor as Fedify's recipient.  A shared inbox on another server than the
 * actor's own inbox is ignored: the federation policy and the partner rules
 * are checked against the actor and its inbox, so a document naming a
 * shared inbox elsewhere must not redirect deliveries (a private group's
 * content included) past them.
 */
export function recipientOf(actor: Actor): Recipient {
  const inbox = actor.inbox_url ? new URL(actor.inbox_url) : null;
  const shared = actor.shared_inbox_url ? new URL(actor.shared_inbox_url) : null;
  const sameServer = shared != null && shared.origin === (inbox ?? new URL(actor.uri)).origin;
  return {
    id: new URL(actor.uri),
    inboxId: inbox,
    endpoints: sameServer ? { sharedInbox: shared } : null,
  };
}

/**
 * Whether an activity is about who belongs to which group.  Those are sent
 * but never kept, served or listed in an outbox: membership of a support
 * group is nobody else's business.
 */
async function isMembership(activity: Activity): Promise<boolean> {
  if (activity instanceof Follow || activity instanceof Accept || activity instanceof Reject) return true;
  // Our own Undo embeds what it undoes, so this fetches nothing.
  return activity instanceof Undo && (await activity.getObject({ crossOrigin: "trust" })) instanceof Follow;
}

/** Keeps what a local actor sent, so that peers can fetch it at its id. */
export async function remember(ctx: Context<ContextData>, sender: Actor, activity: Activity): Promise<void> {
  if (!activity.id || await isMembership(activity)) return;
  const json = await plainJsonLd(activity, ctx.contextLoader);
  await recordActivity(ctx.data.db, sender.id, activity.id.href, activity.constructor.name, json);
}

/**
 * Sends `activity` from a local actor to the given remote actors, and
 * remembers it.  Activities about one post share an ordering key (the
 * post's URI), so that a Delete never overtakes the Create it deletes,
 * even when the Create is being retried.
 */
export async function sendFrom(
  ctx: Context<ContextData>,
  sender: Actor,
  recipients: Actor[],
  activity: Activity,
  orderingKey?: string,
): Promise<void> {
  await remember(ctx, sender, activity);
  // Nothing goes to an actor an admin blocked instance-wide.
  const candidates = recipients.filter((r) => !r.local && r.inbox_url && !r.blocked_at);
  // Nor to a server the instance federation policy excludes (block, allowlist, closed).
  const remote: Actor[] = [];
  for (const r of candidates) {
    if (await mayFederateWith(ctx.data.db, r.inbox_url!) && await mayFederateWith(ctx.data.db, r.uri)) remote.push(r);
  }
  if (remote.length === 0) return;
  await ctx.sendActivity({ identifier: sender.username }, remote.map(recipientOf), activity, {
    preferSharedInbox: true,
    excludeBaseUris: [new URL(ctx.origin)],
    orderingKey,
  });
}

/**
 * A local group passes an accepted activity on to its followers, unchanged,
 * inside an `Announce` (FEP-1b12); new posts are also announced as objects,
 * so that Mastodon-style followers see them.  The `Announce`s are kept and
 * queued as one fan-out (group-fanout.ts), signed per delivery only.
 */
export async function redistribute(
  ctx: Context<ContextData>,
  group: Actor,
  // A URL: an activity Fedify cannot write (Lemmy's Lock), announced by its id.
  activity: Activity | URL,
  object?: APObject,
  orderingKey?: string,
): Promise<void> {
  // A `limit`ed server's activities are accepted but not passed on.
  const author = activity instanceof URL ? activity : activity.actorId;
  if (author && author.origin !== new URL(ctx.origin).origin && await isLimited(ctx.data.db, author)) return;
  // Never beyond the audience its author chose (federation/audience.ts).
  if (!(activity instanceof URL) && !withinAudience(group, activity, object, ctx.origin)) {
    logger.warn("Not announcing {id}: its addressing does not fit the group's audience", { id: activity.id?.href });
    return;
  }
  const ids = (object ? [0, 1] : [0]).map(() => newActivityId(ctx));
  const announces: FanoutActivity[] = [];
  for (const [n, json] of (await announceDocuments(group, ids, activity, object, ctx.contextLoader)).entries()) {
    const id = json.id as string;
    await recordActivity(ctx.data.db, group.id, id, "Announce", json);
    // The second is Announce(object), which group-aware servers do without.
    announces.push({ id, type: ANNOUNCE, json, microblogOnly: n > 0 });
  }
  await enqueueGroupFanout(ctx, group, announces, orderingKey);
}

/** Tells a local group's followers that the group itself changed. */
export async function sendGroupUpdate(ctx: Context<ContextData>, group: Actor, groupObject: APObject): Promise<void> {
  const update = new Update({
    id: newActivityId(ctx),
    actor: new URL(group.uri),
    object: groupObject,
    tos: groupAudience(group, "announce").tos,
    ccs: groupAudience(group, "announce").ccs,
  });
  await sendFrom(ctx, group, await contentRecipients(ctx.data.db, group), update, group.uri);
}
