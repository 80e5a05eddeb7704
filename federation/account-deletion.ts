/**
 * Erasing a local account, federated: a `Delete` for each of the member's
 * posts (to the instances that received it) and a `Delete` of the actor
 * (to every instance that knew them), each delivery tracked per inbox in
 * `deletion_deliveries` until the inbox acknowledges it or Kindred gives up.
 *
 * Fedify's queue reports permanent failures (`onOutboxError`,
 * `setOutboxPermanentFailureHandler`) but not successes, so these
 * deliveries do not go through it: a worker loop (startDeletionDeliveries)
 * signs and posts each one with `sendActivity(..., { immediate: true })` to
 * a single inbox and records the outcome.
 */
import { mayFederateWith } from "./instance-policy.ts";
import { type Context, SendActivityError } from "@fedify/fedify";
import { Delete, PUBLIC_COLLECTION, Tombstone } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { Kysely } from "kysely";
import { eraseLocalAccount } from "../db/account-data.ts";
import { recordActivity } from "../db/activities.ts";
import {
  claimDueDeliveries,
  markAttemptFailed,
  markDelivered,
  type TrackedDelivery,
  trackDeliveries,
} from "../db/delivery-tracking.ts";
import { listRemoteFollowers } from "../db/follows.ts";
import type { Account, Actor, Schema } from "../db/schema.ts";
import type { ContextData } from "./context.ts";
import { groupAudience } from "./audience.ts";
import { newActivityId } from "./delivery.ts";
import { mayReceiveGroupContent } from "./group-fanout.ts";
import { plainJsonLd } from "./json-ld-extensions.ts";

const logger = getLogger(["kindred", "federation", "account-deletion"]);

type Ctx = Context<ContextData>;

/** Attempts before a delivery is given up (about a day and a half with the back-off below). */
export const MAX_DELETION_ATTEMPTS = 12;
/** HTTP statuses after which retrying is pointless. */
const PERMANENT = new Set([400, 401, 403, 404, 405, 410, 422]);

function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** attempts, 6 * 3600_000);
}

function inboxOf(actor: Actor): string | null {
  return actor.shared_inbox_url ?? actor.inbox_url;
}

/** Remote inboxes (shared where there is one, deduplicated) of a group's audience. */
async function groupAudienceInboxes(db: Kysely<Schema>, group: Actor): Promise<Set<string>> {
  const inboxes = new Set<string>();
  if (!group.local) {
    const inbox = inboxOf(group);
    if (inbox && !group.blocked_at) inboxes.add(inbox);
    return inboxes;
  }
  for (let after = 0;;) {
    const page = await listRemoteFollowers(db, group.id, after, 5000);
    for (const f of page) {
      const inbox = inboxOf(f);
      if (inbox && !f.blocked_at && await mayReceiveGroupContent(db, group, inbox)) inboxes.add(inbox);
    }
    if (page.length < 5000) return inboxes;
    after = page[page.length - 1].id;
  }
}

/**
 * Erases the account here and queues the federated Deletes.  Returns how
 * many deliveries are tracked.
 */
export async function deleteLocalAccount(ctx: Ctx, account: Account, actor: Actor): Promise<number> {
  const db = ctx.data.db;
  // Who knew them, read before the erasure removes posts and memberships.
  const posts = await db.selectFrom("posts").select(["id", "uri", "group_id"])
    .where("author_id", "=", actor.id).where("deleted_at", "is", null).where("review_state", "=", "published")
    .execute();
  const followed = await db.selectFrom("follows").select("followee_id").where("follower_id", "=", actor.id).execute();
  const groupIds = [...new Set([...posts.map((p) => p.group_id), ...followed.map((f) => f.followee_id)])];
  const groups = groupIds.length
    ? await db.selectFrom("actors").selectAll().where("id", "in", groupIds).where("type", "=", "Group").execute()
    : [];
  const audience = new Map<number, Set<string>>();
  for (const g of groups) audience.set(g.id, await groupAudienceInboxes(db, g));

  await db.transaction().execute((trx) => eraseLocalAccount(trx, account.id, actor.id));

  const actorUri = new URL(actor.uri);
  let tracked = 0;
  for (const post of posts) {
    const group = groups.find((g) => g.id === post.group_id);
    const inboxes = audience.get(post.group_id);
    if (!group || !inboxes || inboxes.size === 0) continue;
    const del = new Delete({
      id: newActivityId(ctx),
      actor: actorUri,
      object: new Tombstone({ id: new URL(post.uri) }),
      ...groupAudience(group, "activity"),
    });
    tracked += await track(ctx, account, actor, del, [...inboxes]);
  }
  const everyone = new Set<string>();
  for (const inboxes of audience.values()) for (const inbox of inboxes) everyone.add(inbox);
  const deleteActor = new Delete({
    id: newActivityId(ctx),
    actor: actorUri,
    object: actorUri,
    tos: [PUBLIC_COLLECTION],
  });
  tracked += await track(ctx, account, actor, deleteActor, [...everyone]);
  logger.info("Account {username} erased; {n} deliveries of its Deletes queued", { username: account.username, n: tracked });
  return tracked;
}

async function track(ctx: Ctx, account: Account, actor: Actor, del: Delete, inboxes: string[]): Promise<number> {
  const json = await plainJsonLd(del, ctx.contextLoader);
  // Kept and served at its id: a group that passes it on (Announce) lets
  // its followers fetch it from here.
  await recordActivity(ctx.data.db, actor.id, del.id!.href, "Delete", json);
  return await trackDeliveries(ctx.data.db, account.id, [{ uri: del.id!.href, json }], inboxes);
}

/** Sends one tracked delivery and records the outcome. */
async function attempt(ctx: Ctx, delivery: TrackedDelivery): Promise<void> {
  const db = ctx.data.db;
  const account = await db.selectFrom("accounts").select("username").where("id", "=", delivery.account_id).executeTakeFirst();
  if (!account) return await markAttemptFailed(db, delivery.id, "the account is gone", null);
  // Checked when sent, not when queued: a rule made since applies too.
  if (!(await mayFederateWith(db, delivery.inbox_url))) {
    return await markAttemptFailed(db, delivery.id, "refused by this instance's federation policy", null);
  }
  try {
    const activity = await Delete.fromJsonLd(delivery.activity_json, {
      documentLoader: ctx.documentLoader,
      contextLoader: ctx.contextLoader,
    });
    await ctx.sendActivity(
      { identifier: account.username },
      // Fedify skips a recipient without an id (silently): the inbox stands in for it.
      { id: new URL(delivery.inbox_url), inboxId: new URL(delivery.inbox_url), endpoints: null },
      activity,
      { immediate: true },
    );
    await markDelivered(db, delivery.id);
  } catch (error) {
    const status = error instanceof SendActivityError ? error.statusCode : undefined;
    const attempts = delivery.attempts + 1;
    const giveUp = (status != null && PERMANENT.has(status)) || attempts >= MAX_DELETION_ATTEMPTS;
    await markAttemptFailed(db, delivery.id, String((error as Error)?.message ?? error), giveUp ? null : backoffMs(attempts));
    logger.warn("Delivery of {activity} to {inbox} failed (attempt {attempts}){final}: {error}", {
      activity: delivery.activity_uri,
      inbox: delivery.inbox_url,
      attempts,
      final: giveUp ? ", given up" : "",
      error,
    });
  }
}

/** Sends every due tracked delivery once; resolves to how many were tried. */
export async function runDueDeletionDeliveries(ctx: Ctx, limit = 50): Promise<number> {
  const due = await claimDueDeliveries(ctx.data.db, limit, 5 * 60_000);
  // In order: a post's Delete before its author's.
  for (const delivery of due) await attempt(ctx, delivery);
  return due.length;
}

/**
 * The worker loop for tracked deliveries (worker nodes): every `pollMs`,
 * until `signal` aborts.  `kick()` runs it at once (after an erasure).
 */
export function startDeletionDeliveries(fedify: () => Ctx, signal: AbortSignal, pollMs = 2000): DeliveryLoop {
  let running: Promise<void> | undefined;
  let again = false;
  const run = () => {
    if (signal.aborted) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          while (!signal.aborted && await runDueDeletionDeliveries(fedify()) > 0);
        } while (again && !signal.aborted);
      } catch (error) {
        logger.error("Tracked deliveries failed: {error}", { error });
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(run, pollMs);
  const db = fedify().data.db;
  const loop: DeliveryLoop = { kick: () => void run(), idle: () => running ?? Promise.resolve() };
  loops.set(db, loop);
  signal.addEventListener("abort", () => {
    clearInterval(timer);
    loops.delete(db);
  });
  return loop;
}

export interface DeliveryLoop {
  /** Runs the loop now rather than at the next poll. */
  kick(): void;
  /** Resolves once the run in progress (if any) is done. */
  idle(): Promise<void>;
}

// Per database: tests run several instances in one process.
const loops = new WeakMap<object, DeliveryLoop>();

/** Starts this process's delivery loop at once, if it runs one (a web node leaves it to the workers' poll). */
export function kickDeletionDeliveries(db: Kysely<Schema>): void {
  loops.get(db)?.kick();
}
