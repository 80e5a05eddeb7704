/**
 * A message queue wrapper that applies the instance federation policy when a
 * message is taken off the queue, not only when it was put on: a delivery
 * queued before an admin blocked its destination (or switched to allowlist
 * or closed mode) is dropped, not sent, and so is an inbox message from a
 * server blocked since it arrived.  Everything else is passed to the inner
 * queue unchanged.
 */
import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.ts";
import { mayFederateWith } from "./instance-policy.ts";

const logger = getLogger(["kindred", "queue", "policy"]);

/** The server a queued Fedify message talks to, if it is one we check. */
export function remoteOfMessage(message: unknown): string | null {
  if (typeof message !== "object" || message == null) return null;
  const m = message as { type?: unknown; inbox?: unknown; activity?: unknown };
  if (m.type === "outbox" && typeof m.inbox === "string") return m.inbox;
  if (m.type === "inbox" && typeof m.activity === "object" && m.activity != null) {
    const actor = (m.activity as { actor?: unknown }).actor;
    if (typeof actor === "string") return actor;
    if (typeof actor === "object" && actor != null && typeof (actor as { id?: unknown }).id === "string") {
      return (actor as { id: string }).id;
    }
  }
  return null;
}

/** Wraps `inner` so that messages to or from servers the policy excludes are dropped at dequeue time. */
export class PolicyFilteredQueue implements MessageQueue {
  readonly nativeRetrial?: boolean;
  constructor(readonly inner: MessageQueue, readonly db: Kysely<Schema>) {
    this.nativeRetrial = inner.nativeRetrial;
  }

  enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    return this.inner.enqueue(message, options);
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    if (this.inner.enqueueMany) return await this.inner.enqueueMany(messages, options);
    for (const message of messages) await this.inner.enqueue(message, options);
  }

  listen(handler: (message: any) => Promise<void> | void, options?: MessageQueueListenOptions): Promise<void> {
    return this.inner.listen(async (message: unknown) => {
      const remote = remoteOfMessage(message);
      if (remote != null && !await mayFederateWith(this.db, remote)) {
        const m = message as { type: string; activityId?: string };
        logger.info("Dropped a queued {type} message for {remote}: the federation policy excludes it", {
          type: m.type,
          remote,
          activityId: m.activityId,
        });
        return;
      }
      await handler(message);
    }, options);
  }

  getDepth() {
    return this.inner.getDepth!();
  }
}
