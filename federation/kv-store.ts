/**
 * Fedify's key–value store on our own database (the `kv` table), through
 * Kysely, so that it works the same on PGlite and PostgreSQL.
 *
 * A key is stored as the JSON text of its parts (`["a","b"]`) in a "C"
 * collation column: the keys under a prefix then form one contiguous byte
 * range, which `list()` reads from the primary key index.
 */
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { type ExpressionBuilder, type Kysely, type RawBuilder, sql } from "kysely";
import { jsonb } from "../db/json.ts";
import type { Schema } from "../db/schema.ts";

const logger = getLogger(["kindred", "kv"]);

/** Options for {@link KyselyKvStore}. */
export interface KyselyKvStoreOptions {
  /**
   * Expired rows are invisible at once but deleted lazily: a write removes
   * all of them when this many milliseconds have passed since the last
   * sweep.  60 seconds by default.
   */
  readonly sweepIntervalMs?: number;
  /** Rows fetched per query while `list()` iterates.  500 by default. */
  readonly listBatchSize?: number;
}

/** A Fedify {@link KvStore} backed by the `kv` table. */
export class KyselyKvStore implements KvStore {
  readonly #db: Kysely<Schema>;
  readonly #sweepIntervalMs: number;
  readonly #listBatchSize: number;
  #lastSweep = 0;

  /**
   * @param db The Kysely instance of {@link Database.db} (or a transaction).
   * @param options See {@link KyselyKvStoreOptions}.
   */
  constructor(db: Kysely<Schema>, options: KyselyKvStoreOptions = {}) {
    this.#db = db;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.#listBatchSize = options.listBatchSize ?? 500;
  }

  /** {@inheritDoc KvStore.get} */
  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const row = await this.#db.selectFrom("kv").select("value")
      .where("key", "=", encodeKey(key)).where(live).executeTakeFirst();
    // A stored JSON null comes back as null: only a missing row is undefined.
    return row == null ? undefined : row.value as T;
  }

  /** {@inheritDoc KvStore.set} */
  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    await this.#db.insertInto("kv")
      .values({ key: encodeKey(key), value: jsonb(value), expires_at: expiry(options) })
      .onConflict((oc) =>
        oc.column("key").doUpdateSet((eb) => ({
          value: eb.ref("excluded.value"),
          expires_at: eb.ref("excluded.expires_at"),
        })))
      .execute();
    await this.#maybeSweep();
  }

  /** {@inheritDoc KvStore.delete} */
  async delete(key: KvKey): Promise<void> {
    await this.#db.deleteFrom("kv").where("key", "=", encodeKey(key)).execute();
  }

  /**
   * {@inheritDoc KvStore.cas}
   *
   * One statement each way, so concurrent callers cannot both win: an
   * `expectedValue` of `undefined` means "absent (or expired)" and is an
   * insert that only overwrites an expired row; otherwise an update whose
   * WHERE is re-checked by PostgreSQL against the row after any concurrent
   * update committed.  Values are compared as jsonb (`1.0` equals `1`,
   * object key order does not matter).
   */
  async cas(
    key: KvKey,
    expectedValue: unknown,
    newValue: unknown,
    options?: KvStoreSetOptions,
  ): Promise<boolean> {
    const encoded = encodeKey(key);
    if (newValue === undefined) return await this.#casDelete(encoded, expectedValue);
    const value = jsonb(newValue);
    const expires_at = expiry(options);
    let row: { key: string } | undefined;
    if (expectedValue === undefined) {
      row = await this.#db.insertInto("kv").values({ key: encoded, value, expires_at })
        .onConflict((oc) =>
          oc.column("key")
            .doUpdateSet((eb) => ({
              value: eb.ref("excluded.value"),
              expires_at: eb.ref("excluded.expires_at"),
            }))
            .where("kv.expires_at", "<=", sql<Date>`now()`))
        .returning("key").executeTakeFirst();
    } else {
      row = await this.#db.updateTable("kv").set({ value, expires_at })
        .where("key", "=", encoded).where("value", "=", jsonb(expectedValue)).where(live)
        .returning("key").executeTakeFirst();
    }
    await this.#maybeSweep();
    return row != null;
  }

  /**
   * A swap to `undefined` (Fedify's circuit breaker clears a host's state
   * this way): deletes the entry if it still holds `expectedValue`; from
   * absent to absent succeeds while no live entry exists.
   */
  async #casDelete(encoded: string, expectedValue: unknown): Promise<boolean> {
    if (expectedValue === undefined) {
      const present = await this.#db.selectFrom("kv").select("key").where("key", "=", encoded)
        .where(live).executeTakeFirst();
      return present == null;
    }
    const row = await this.#db.deleteFrom("kv")
      .where("key", "=", encoded).where("value", "=", jsonb(expectedValue)).where(live)
      .returning("key").executeTakeFirst();
    return row != null;
  }

  /**
   * {@inheritDoc KvStore.list}
   *
   * Entries come in byte order of their encoded keys, fetched in batches by
   * keyset pagination, so no cursor or transaction stays open while the
   * caller iterates.  Entries written during the iteration may or may not
   * appear.
   */
  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    let after: string | undefined;
    while (true) {
      let query = this.#db.selectFrom("kv").select(["key", "value"]).where(live)
        .orderBy("key").limit(this.#listBatchSize);
      if (prefix != null && prefix.length > 0) {
        // '["a","b"]' matches itself exactly, and its descendants all start
        // with '["a","b",' so lie in ['["a","b",', '["a","b"-'): the closing
        // quote keeps ["a"] from matching ["ab"].
        const exact = encodeKey(prefix);
        const stem = exact.slice(0, -1);
        query = query.where((eb) =>
          eb.or([
            eb("key", "=", exact),
            eb.and([eb("key", ">=", `${stem},`), eb("key", "<", `${stem}-`)]),
          ]));
      }
      if (after != null) query = query.where("key", ">", after);
      const rows = await query.execute();
      for (const row of rows) yield { key: JSON.parse(row.key) as KvKey, value: row.value };
      if (rows.length < this.#listBatchSize) return;
      after = rows[rows.length - 1].key;
    }
  }

  /** Deletes every expired row now; resolves to how many were deleted. */
  async sweep(): Promise<number> {
    this.#lastSweep = Date.now();
    const result = await this.#db.deleteFrom("kv")
      .where("expires_at", "<=", sql<Date>`now()`).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async #maybeSweep(): Promise<void> {
    if (Date.now() - this.#lastSweep < this.#sweepIntervalMs) return;
    try {
      const deleted = await this.sweep();
      if (deleted > 0) logger.debug("Swept {deleted} expired key–value entries.", { deleted });
    } catch (error) {
      // The write itself succeeded; a failed sweep is retried next interval.
      logger.warn("Failed to sweep expired key–value entries:\n{error}", { error });
    }
  }
}

/** The JSON text of a key: its parts, in order, as JSON strings. */
function encodeKey(key: KvKey): string {
  return JSON.stringify(key);
}

/** Rows that have not expired. */
function live(eb: ExpressionBuilder<Schema, "kv">) {
  return eb.or([eb("expires_at", "is", null), eb("expires_at", ">", sql<Date>`now()`)]);
}

/** The expiry time of an entry written with these options, by the database clock. */
function expiry(options: KvStoreSetOptions | undefined): RawBuilder<Date> | null {
  if (options?.ttl == null) return null;
  const ms = options.ttl.total("millisecond");
  return sql<Date>`now() + cast(${ms} as float8) * interval '1 millisecond'`;
}
