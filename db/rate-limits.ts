/**
 * Rate-limit counters: fixed windows counted in the database, so that every
 * web process on one PostgreSQL shares them.  The clock is the database's.
 */
import { randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { Schema } from "./schema.ts";

export interface Hit {
  /** Requests counted in the current window, this one included. */
  hits: number;
  /** Seconds until the window ends. */
  secondsLeft: number;
}

/** Counts one request against `key`; a key whose window has ended starts a new one. */
export async function countHit(db: Kysely<Schema>, key: string, windowSeconds: number): Promise<Hit> {
  const { rows } = await sql<{ hits: number; seconds_left: number | string }>`
    insert into rate_limits (key, hits, expires_at)
    values (${key}, 1, now() + make_interval(secs => ${windowSeconds}))
    on conflict (key) do update set
      hits = case when rate_limits.expires_at <= now() then 1 else rate_limits.hits + 1 end,
      expires_at = case when rate_limits.expires_at <= now() then excluded.expires_at
        else rate_limits.expires_at end
    returning hits, extract(epoch from (expires_at - now())) as seconds_left`.execute(db);
  return { hits: rows[0].hits, secondsLeft: Math.max(0, Number(rows[0].seconds_left)) };
}

/** Takes back one counted request (a log-in that succeeded, an inbox request with a bad signature). */
export async function uncountHit(db: Kysely<Schema>, key: string): Promise<void> {
  await db.updateTable("rate_limits").set((eb) => ({ hits: sql`greatest(${eb.ref("hits")} - 1, 0)` }))
    .where("key", "=", key).where("expires_at", ">", sql<Date>`now()`).execute();
}

/** Deletes counters whose window has ended, and secrets older than yesterday. */
export async function sweepRateLimits(db: Kysely<Schema>): Promise<void> {
  await db.deleteFrom("rate_limits").where("expires_at", "<=", sql<Date>`now()`).execute();
  await db.deleteFrom("rate_limit_secrets").where("day", "<", sql<string>`current_date - 1`).execute();
}

/** Today's secret for hashing keys (made by whichever process asks first). */
export async function secretOfTheDay(db: Kysely<Schema>): Promise<{ day: string; secret: string }> {
  await db.insertInto("rate_limit_secrets")
    .values({ day: sql<string>`current_date`, secret: randomBytes(32).toString("base64url") })
    .onConflict((oc) => oc.column("day").doNothing()).execute();
  const row = await db.selectFrom("rate_limit_secrets")
    .select([sql<string>`to_char(day, 'YYYY-MM-DD')`.as("day"), "secret"])
    .where("day", "=", sql<string>`current_date`).executeTakeFirstOrThrow();
  return row;
}
