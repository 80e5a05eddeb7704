/**
 * A local group's fan-out: the `Announce`s it passes on to its followers
 * (FEP-1b12), delivered without Fedify's per-activity signing pipeline.
 *
 * `ctx.sendActivity()` spends about 16 ms of CPU on each activity before it
 * queues anything (an Object Integrity Proof, JSON-LD compaction and
 * normalisation, a Linked Data signature), then queues one delivery per
 * inbox.  A group announces every accepted post, reply and vote, twice for
 * a new post, so that cost fell on every inbound activity and on the request
 * that made the post.  Here the `Announce`s are serialised once (the same
 * JSON that is kept and served at their ids), and one message goes on the
 * queue: a worker picks it up, works out the inboxes (followers, federation
 * policy, partner rules) and queues Fedify's own outbox messages, one per
 * inbox, which Fedify's outbox worker signs (HTTP Signatures), sends,
 * retries and guards with its circuit breaker as for anything else.
 *
 * What the receivers get differs in one way: the group's `Announce` carries
 * an HTTP signature only, no Linked Data signature or integrity proof.
 * Those serve servers that forward an activity to third parties; an
 * `Announce` reaches each follower's server directly from the group.  The
 * announced activity keeps whatever proofs its author gave it.
 *
 * The outbox message's shape is Fedify 2.3.6's (`OutboxMessage`, internal);
 * tests/group-fanout.test.ts checks deliveries end to end, so an upgrade
 * that changes it fails there.
 */
import { type MessageQueue, type MessageQueueListenOptions } from "@fedify/fedify";
import type { Context } from "@fedify/fedify";
import type { DocumentLoader } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { Kysely } from "kysely";
import { findActivityJson } from "../db/activities.ts";
import { findGroupActor } from "../db/actors.ts";
import { findInstanceSoftware } from "../db/instance-software.ts";
import { addressesPublic } from "./audience.ts";
import { loadKeyPairs } from "../db/keys.ts";
import { listRemoteFollowers } from "../db/follows.ts";
import type { Actor, Schema } from "../db/schema.ts";
import type { ContextData } from "./context.ts";
import { isPartner, mayFederateWith } from "./instance-policy.ts";
import { learnSoftwareOf, needsObjectAnnounce } from "./instance-software.ts";
import { keyOwner } from "./keys.ts";
import { RetryLater } from "./message-queue.ts";
import { overtaken } from "./overtaken.ts";

const logger = getLogger(["kindred", "federation", "fanout"]);

export const GROUP_FANOUT = "kindred:group-fanout";

/** One activity of a fan-out, as JSON ready to send. */
export interface FanoutActivity {
  id: string;
  /** The full type IRI, as Fedify's outbox messages carry it. */
  type: string;
  json: unknown;
  /** `Announce(object)`: not sent to servers known to be group-aware (instance-software.ts). */
  microblogOnly?: boolean;
}

/** The queued message a worker turns into one delivery per inbox. */
export interface GroupFanoutMessage {
  type: typeof GROUP_FANOUT;
  id: string;
  baseUrl: string;
  groupId: number;
  /** The id of the group's RSA key, which Fedify signs HTTP requests with. */
  keyId: string;
  /** Sent in this order to each inbox. */
  activities: FanoutActivity[];
  orderingKey: string | null;
}

export function isGroupFanout(message: unknown): message is GroupFanoutMessage {
  return typeof message === "object" && message != null && (message as { type?: unknown }).type === GROUP_FANOUT;
}

/** Queues `activities` from a local group to its followers (FEP-1b12). */
export async function enqueueGroupFanout(
  ctx: Context<ContextData>,
  group: Actor,
  activities: FanoutActivity[],
  orderingKey?: string,
): Promise<void> {
  if (group.visibility === "local" || activities.length === 0) return;
  const pairs = await ctx.getActorKeyPairs(group.username);
  const rsa = pairs.find((p) => p.privateKey.algorithm.name === "RSASSA-PKCS1-v1_5");
  if (!rsa) throw new Error(`Group ${group.username} has no RSA key`);
  const message: GroupFanoutMessage = {
    type: GROUP_FANOUT,
    id: crypto.randomUUID(),
    baseUrl: ctx.origin,
    groupId: group.group_id!,
    keyId: rsa.keyId.href,
    activities,
    orderingKey: orderingKey ?? null,
  };
  await ctx.data.queue.enqueue(message, orderingKey ? { orderingKey } : undefined);
}

/**
 * Whether a server may receive a local group's content (docs/FEDERATION.md,
 * "Group visibility"): any server for a public group, partners only for a
 * private one, none for a local-only one.
 */
export async function mayReceiveGroupContent(
  db: Kysely<Schema>,
  group: Pick<Actor, "local" | "visibility">,
  url: URL | string,
): Promise<boolean> {
  if (!group.local || group.visibility === "public") return true;
  if (group.visibility === "local") return false;
  return await isPartner(db, url);
}

/** A local group's remote followers that may receive its content. */
export async function contentRecipients(db: Kysely<Schema>, group: Actor): Promise<Actor[]> {
  if (group.visibility === "local") return [];
  const all: Actor[] = [];
  for (let after = 0;;) {
    const page = await listRemoteFollowers(db, group.id, after, 5000);
    all.push(...page);
    if (page.length < 5000) break;
    after = page[page.length - 1].id;
  }
  if (group.visibility === "public") return all;
  const allowed: Actor[] = [];
  for (const f of all) {
    if (await mayReceiveGroupContent(db, group, f.inbox_url ?? f.uri) && await isPartner(db, f.uri)) allowed.push(f);
  }
  return allowed;
}

/**
 * Where an actor's deliveries go: its server's shared inbox when that is on
 * the same server as its own inbox (see `recipientOf` in delivery.ts), else
 * its inbox.
 */
export function inboxOf(actor: Actor): { inbox: string; shared: boolean } | null {
  if (!actor.inbox_url) return null;
  const inbox = new URL(actor.inbox_url);
  if (actor.shared_inbox_url) {
    const shared = new URL(actor.shared_inbox_url);
    if (shared.origin === inbox.origin) return { inbox: shared.href, shared: true };
  }
  return { inbox: inbox.href, shared: false };
}

/** The inboxes a fan-out goes to, each with the followers it serves. */
export async function fanoutInboxes(
  db: Kysely<Schema>,
  group: Actor,
  baseUrl: string,
): Promise<Map<string, { shared: boolean; actorIds: string[] }>> {
  const ours = new URL(baseUrl).origin;
  const inboxes = new Map<string, { shared: boolean; actorIds: string[] }>();
  for (const r of await contentRecipients(db, group)) {
    // Nothing goes to an actor an admin blocked, nor to a server the policy excludes.
    if (r.local || r.blocked_at) continue;
    const target = inboxOf(r);
    if (!target || new URL(target.inbox).origin === ours) continue;
    if (!await mayFederateWith(db, r.inbox_url!) || !await mayFederateWith(db, r.uri)) continue;
    const entry = inboxes.get(target.inbox);
    if (entry) entry.actorIds.push(r.uri);
    else inboxes.set(target.inbox, { shared: target.shared, actorIds: [r.uri] });
  }
  return inboxes;
}

/**
 * A queued delivery of a fan-out names its activity and key rather than
 * carrying them: a thousand copies of a 5 kB activity and a private key
 * were most of what the queue wrote and read.  The activity is the one kept
 * at its id (delivery.ts keeps it before queuing), the key the group's own.
 */
const REF = "kindredFanout";
interface DeliveryRef {
  groupId: number;
  keyId: string;
}

/** Turns a fan-out message into Fedify outbox messages, one per inbox and activity. */
export async function expandGroupFanout(
  db: Kysely<Schema>,
  message: GroupFanoutMessage,
  // Filled with what is known of the servers' software (instance-software.ts).
  software = new Map<string, { software: string | null; checkedAt: Date }>(),
): Promise<{ message: Record<string, unknown>; orderingKey?: string }[]> {
  const group = await findGroupActor(db, message.groupId);
  if (!group?.local) return [];
  const started = new Date().toISOString();
  const out: { message: Record<string, unknown>; orderingKey?: string }[] = [];
  const inboxes = [...await fanoutInboxes(db, group, message.baseUrl)];
  for (const [host, known] of await findInstanceSoftware(db, [...new Set(inboxes.map(([i]) => new URL(i).host))])) {
    software.set(host, known);
  }
  // Activity by activity: every server gets the first before anyone gets the
  // second (ids, hence order under each server's key, follow this order).
  for (const activity of message.activities) {
    for (const [inbox, { shared, actorIds }] of inboxes) {
      if (activity.microblogOnly && !needsObjectAnnounce(software.get(new URL(inbox).host)?.software)) continue;
      const orderingKey = message.orderingKey == null ? undefined : `${message.orderingKey}\n${new URL(inbox).origin}`;
      out.push({
        orderingKey,
        message: {
          type: "outbox",
          id: crypto.randomUUID(),
          baseUrl: message.baseUrl,
          // Filled in when taken off the queue (see `hydrate`).
          keys: [],
          activity: null,
          [REF]: { groupId: message.groupId, keyId: message.keyId } satisfies DeliveryRef,
          activityId: activity.id,
          activityType: activity.type,
          inbox,
          sharedInbox: shared,
          actorIds,
          started,
          attempt: 0,
          headers: {},
          orderingKey,
          traceContext: {},
        },
      });
    }
  }
  return out;
}

/**
 * Wraps the queue Fedify uses: fan-out messages are expanded here, into the
 * same queue, and everything else goes to Fedify's handler.
 */
export class GroupFanoutQueue implements MessageQueue {
  readonly nativeRetrial?: boolean;
  /** Fetches followers' NodeInfo (set once Fedify is built: it applies our fetch rules). */
  loader?: DocumentLoader;
  constructor(readonly inner: MessageQueue, readonly db: Kysely<Schema>) {
    this.nativeRetrial = inner.nativeRetrial;
  }

  enqueue(...args: Parameters<MessageQueue["enqueue"]>): Promise<void> {
    const [message, options] = args;
    // Fedify re-enqueues a failed or held delivery as it got it: the
    // activity and the key are dropped again, and filled in (and the group's
    // audience checked again) when it is next taken off the queue.
    if (isFanoutDelivery(message)) return this.inner.enqueue({ ...message, activity: null, keys: [] }, options);
    return this.inner.enqueue(message, options);
  }

  async enqueueMany(...args: Parameters<NonNullable<MessageQueue["enqueueMany"]>>): Promise<void> {
    const [given, options] = args;
    const messages = given.map((m) => isFanoutDelivery(m) ? { ...m, activity: null, keys: [] } : m);
    if (this.inner.enqueueMany) return await this.inner.enqueueMany(messages, options);
    for (const message of messages) await this.inner.enqueue(message, options);
  }

  listen(handler: (message: any) => Promise<void> | void, options?: MessageQueueListenOptions): Promise<void> {
    return this.inner.listen(async (message: unknown) => {
      // Any other retried delivery of a post's creation or edit (a member's
      // post to a group elsewhere): not once the post was deleted, whose
      // `Delete` may have gone out meanwhile.
      if (isRetriedDelivery(message) && await overtaken(this.db, message.activity)) {
        logger.info("Not delivering {activityId} to {inbox}: its post was deleted or removed since", {
          activityId: message.activityId,
          inbox: message.inbox,
        });
        return;
      }
      if (isFanoutDelivery(message)) {
        const full = await this.#hydrate(message).catch((error) => {
          throw new RetryLater("could not prepare a fan-out delivery", { cause: error });
        });
        if (full != null) await handler(full);
        return;
      }
      if (!isGroupFanout(message)) return await handler(message);
      try {
        await this.#expand(message);
      } catch (error) {
        // Fedify knows nothing of this message and would not retry it.
        throw new RetryLater(`could not expand fan-out ${message.id}`, { cause: error });
      }
    }, options);
  }

  async #expand(message: GroupFanoutMessage): Promise<void> {
    // The deliveries will want these activities next: keep them at hand.
    for (const a of message.activities) this.#remember(a.id, Promise.resolve(a.json));
    const software = new Map<string, { software: string | null; checkedAt: Date }>();
    const deliveries = await expandGroupFanout(this.db, message, software);
    // Servers whose software is unknown (or a week old) are looked up, in
    // the background, for next time.
    if (this.loader) {
      const origins = [...new Set(deliveries.map((d) => new URL(String(d.message.inbox)).origin))];
      learnSoftwareOf(this.db, this.loader, origins, software)
        .catch((error) => logger.warn("Looking up followers' software failed: {error}", { error }));
    }
    // Enqueued in one turn: the queue writes them in one transaction.
    await Promise.all(deliveries.map((d) => this.inner.enqueue(d.message, d.orderingKey ? { orderingKey: d.orderingKey } : undefined)));
    logger.debug("Fan-out {id} of group {groupId}: {count} deliveries queued", {
      id: message.id,
      groupId: message.groupId,
      count: deliveries.length,
    });
  }

  getDepth() {
    return this.inner.getDepth!();
  }

  // Small caches: a fan-out's deliveries share one activity and one key.
  #activities = new Map<string, { json: Promise<unknown>; until: number }>();
  #keys = new Map<number, Promise<JsonWebKey | undefined>>();

  #remember(id: string, json: Promise<unknown>): { json: Promise<unknown>; until: number } {
    this.#activities.delete(id);
    if (this.#activities.size >= 64) this.#activities.delete(this.#activities.keys().next().value!);
    const entry = { json, until: Date.now() + 60_000 };
    json.catch(() => this.#activities.delete(id));
    this.#activities.set(id, entry);
    return entry;
  }

  /** The Fedify outbox message a fan-out delivery stands for; null if its activity is gone. */
  async #hydrate(message: FanoutDelivery): Promise<Record<string, unknown> | null> {
    const ref = message[REF];
    const id = String(message.activityId);
    let cached = this.#activities.get(id);
    if (!cached || cached.until < Date.now()) cached = this.#remember(id, findActivityJson(this.db, id));
    const json = await cached.json;
    // A retried or held delivery: the group or the post may have changed since it was queued.
    if (json != null && (Number(message.attempt) > 0 || message.circuitHeld)) {
      const reason = await staleDelivery(this.db, ref.groupId, String(message.inbox), json);
      if (reason) {
        logger.info("Not delivering {activityId} to {inbox}: {reason}", { activityId: id, inbox: message.inbox, reason });
        return null;
      }
    }
    let key = this.#keys.get(ref.groupId);
    if (!key) {
      key = loadKeyPairs(this.db, keyOwner.group(ref.groupId))
        .then((pairs) => pairs.find((p) => p.algorithm === "RSASSA-PKCS1-v1_5")?.privateJwk);
      this.#keys.set(ref.groupId, key);
    }
    const privateKey = await key.catch((error) => {
      this.#keys.delete(ref.groupId);
      throw error;
    });
    // Only a key that was found stays cached.
    if (privateKey == null) this.#keys.delete(ref.groupId);
    if (json == null || privateKey == null) {
      logger.info("Not delivering {activityId} to {inbox}: the activity or the group's key is gone", {
        activityId: id,
        inbox: message.inbox,
      });
      return null;
    }
    return { ...message, activity: json, keys: [{ keyId: ref.keyId, privateKey }] };
  }
}

function addressedToPublic(json: Record<string, unknown>): boolean {
  return addressesPublic([json.to, json.cc].flat().filter((v): v is string => typeof v === "string"));
}

/**
 * Why a delivery that waited (a retry, or held by the circuit breaker) must
 * not go out any more, if it must not: the group's audience no longer
 * includes the inbox; the group stopped being public and the activity is
 * addressed to the public; the post it creates or edits was deleted or
 * removed meanwhile (its `Delete` may have gone out already: the late
 * creation would bring it back on the receiving server).
 */
export async function staleDelivery(
  db: Kysely<Schema>,
  groupId: number,
  inbox: string,
  activity: unknown,
): Promise<string | undefined> {
  const group = await findGroupActor(db, groupId);
  if (!group?.local || !await mayReceiveGroupContent(db, group, inbox)) return "the group's audience no longer includes it";
  const json = (activity ?? {}) as Record<string, unknown>;
  if (group.visibility !== "public" && addressedToPublic(json)) return "it is addressed to the public and the group no longer is";
  if (await overtaken(db, json)) return "its post was deleted or removed since";
  return undefined;
}

type FanoutDelivery = Record<string, unknown> & { [REF]: DeliveryRef };

function isRetriedDelivery(message: unknown): message is Record<string, unknown> & { activity: Record<string, unknown> } {
  if (typeof message !== "object" || message == null) return false;
  const m = message as Record<string, unknown>;
  return m.type === "outbox" && !(REF in m) && (Number(m.attempt) > 0 || m.circuitHeld === true) &&
    typeof m.activity === "object" && m.activity != null;
}

function isFanoutDelivery(message: unknown): message is FanoutDelivery {
  return typeof message === "object" && message != null && REF in message &&
    (message as { type?: unknown }).type === "outbox";
}
