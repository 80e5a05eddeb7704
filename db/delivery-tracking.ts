/**
 * The tracking of the `Delete` activities an account erasure sends: one
 * row per activity and target inbox, pending until the inbox acknowledges
 * it (2xx) or Kindred gives up (a permanent refusal, or too many attempts).
 */
import { type Kysely, sql } from "kysely";
import { jsonb } from "./json.ts";
import type { DeliveryState, Schema } from "./schema.ts";

export interface TrackedDelivery {
  id: number;
  account_id: number;
  activity_uri: string;
  activity_json: unknown;
  inbox_url: string;
  state: DeliveryState;
  attempts: number;
  last_error: string | null;
}

/** Records deliveries to make; an activity is sent to each inbox once. */
export async function trackDeliveries(
  db: Kysely<Schema>,
  accountId: number,
  activities: { uri: string; json: unknown }[],
  inboxes: string[],
): Promise<number> {
  const rows = activities.flatMap((a) =>
    inboxes.map((inbox) => ({ account_id: accountId, activity_uri: a.uri, activity_json: jsonb(a.json), inbox_url: inbox }))
  );
  if (rows.length === 0) return 0;
  await db.insertInto("deletion_deliveries").values(rows)
    .onConflict((oc) => oc.columns(["activity_uri", "inbox_url"]).doNothing()).execute();
  return rows.length;
}

/**
 * Claims up to `limit` due deliveries for `leaseMs` (another worker skips
 * them meanwhile; a worker that dies leaves them due again afterwards).
 * Post deletions go before the actor's, so that receivers still know the
 * author when the post deletions arrive.
 */
export async function claimDueDeliveries(db: Kysely<Schema>, limit: number, leaseMs: number): Promise<TrackedDelivery[]> {
  const rows = await db.updateTable("deletion_deliveries")
    .set({ next_attempt_at: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where("id", "in", (eb) =>
      eb.selectFrom("deletion_deliveries").select("id")
        .where("state", "=", "pending").where("next_attempt_at", "<=", sql<Date>`now()`)
        .orderBy("id").limit(limit).forUpdate().skipLocked()
    )
    .returning(["id", "account_id", "activity_uri", "activity_json", "inbox_url", "state", "attempts", "last_error"])
    .execute();
  return rows.sort((a, b) => a.id - b.id);
}

export async function markDelivered(db: Kysely<Schema>, id: number): Promise<void> {
  await db.updateTable("deletion_deliveries")
    .set({ state: "delivered", attempts: sql`attempts + 1`, last_error: null, updated_at: sql`now()` })
    .where("id", "=", id).execute();
}

/** A failed attempt: retried after `retryInMs`, or given up (`null`). */
export async function markAttemptFailed(db: Kysely<Schema>, id: number, error: string, retryInMs: number | null): Promise<void> {
  await db.updateTable("deletion_deliveries")
    .set({
      state: retryInMs == null ? "failed" : "pending",
      attempts: sql`attempts + 1`,
      last_error: error.slice(0, 500),
      next_attempt_at: sql`now() + ${`${retryInMs ?? 0} milliseconds`}::interval`,
      updated_at: sql`now()`,
    })
    .where("id", "=", id).execute();
}

/** The deliveries of one erased account, for its tracking report. */
export function listDeliveries(db: Kysely<Schema>, accountId?: number) {
  let q = db.selectFrom("deletion_deliveries")
    .select(["id", "account_id", "activity_uri", "inbox_url", "state", "attempts", "last_error", "created_at", "updated_at"]);
  if (accountId != null) q = q.where("account_id", "=", accountId);
  return q.orderBy("id").execute();
}

/** Whether an erased account still has deliveries in flight (its actor is served until they end). */
export async function hasPendingDeliveries(db: Kysely<Schema>, accountId: number): Promise<boolean> {
  const row = await db.selectFrom("deletion_deliveries").select("id")
    .where("account_id", "=", accountId).where("state", "=", "pending").limit(1).executeTakeFirst();
  return row != null;
}
