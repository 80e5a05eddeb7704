/**
 * An in-process memo in front of the key–value store, for the few entries
 * Fedify reads on every delivery and every inbound activity: the HTTP
 * signature spec each server accepted, each server's circuit-breaker state,
 * and cached public keys.  Unmemoised, a delivery cost four database round
 * trips to the `kv` table (two reads of the circuit state, a read and a
 * rewrite of the spec), most of them reading what was just read.
 *
 * Entries under the memoised prefixes are read from the store at most once
 * per `ttlMs`; this process's own writes update the memo at once, and a
 * failed compare-and-swap drops the entry, so the next read goes to the
 * store.  Another process's write is seen within `ttlMs`: the cost is a
 * delivery or two to a server another worker has just found down, or a
 * second signature attempt.  A `set` of the value already memoised, with no
 * expiry, is not written again.  Everything else (activity idempotence
 * above all, which must be exact across processes) goes straight through.
 */
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";

export interface KvMemoOptions {
  /** Key prefixes whose entries are memoised. */
  readonly prefixes: readonly KvKey[];
  /** How long a memoised read stands, in ms. */
  readonly ttlMs: number;
  /** Entries kept at most; the oldest go first.  10,000 by default. */
  readonly maxEntries?: number;
}

/** Fedify's prefixes (its defaults) for the spec, the circuit breaker and public keys. */
export const MEMOISED_KV_PREFIXES: readonly KvKey[] = [
  ["_fedify", "httpMessageSignaturesSpec"],
  ["_fedify", "circuit"],
  ["_fedify", "publicKey"],
  // Fetched documents (actors, mostly), which Fedify caches itself with an expiry.
  ["_fedify", "remoteDocument"],
];

const ABSENT = Symbol("absent");
type Entry = { value: unknown; json: string | undefined; until: number };

export class MemoKvStore implements KvStore {
  readonly #memo = new Map<string, Entry>();
  // Bumped by every write through this store, so that a read begun before a
  // write does not put the older value back in the memo when it ends.
  readonly #writes = new Map<string, number>();

  #bump(memoKey: string): void {
    this.#writes.delete(memoKey);
    if (this.#writes.size >= this.#maxEntries) this.#writes.delete(this.#writes.keys().next().value!);
    this.#writes.set(memoKey, (this.#writes.get(memoKey) ?? 0) + 1);
  }
  readonly #prefixes: string[];
  readonly #maxEntries: number;

  constructor(readonly inner: KvStore, readonly options: KvMemoOptions) {
    // '["a","b"' + ',' : the encoded keys of the prefix's descendants start with it.
    this.#prefixes = options.prefixes.map((p) => `${JSON.stringify(p).slice(0, -1)},`);
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  #memoKey(key: KvKey): string | null {
    const encoded = JSON.stringify(key);
    return this.#prefixes.some((p) => encoded.startsWith(p)) ? encoded : null;
  }

  #remember(memoKey: string, value: unknown, ttlMs = this.options.ttlMs): void {
    this.#memo.delete(memoKey);
    if (this.#memo.size >= this.#maxEntries) this.#memo.delete(this.#memo.keys().next().value!);
    this.#memo.set(memoKey, {
      value: value === undefined ? ABSENT : value,
      json: value === undefined ? undefined : JSON.stringify(value),
      until: Date.now() + ttlMs,
    });
  }

  #ttlOf(options?: KvStoreSetOptions): number {
    const ttl = options?.ttl?.total("millisecond");
    return ttl == null ? this.options.ttlMs : Math.min(this.options.ttlMs, ttl);
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const memoKey = this.#memoKey(key);
    if (memoKey == null) return await this.inner.get<T>(key);
    const hit = this.#memo.get(memoKey);
    if (hit && hit.until > Date.now()) return (hit.value === ABSENT ? undefined : hit.value) as T;
    const before = this.#writes.get(memoKey);
    const value = await this.inner.get<T>(key);
    if (this.#writes.get(memoKey) === before) this.#remember(memoKey, value);
    return value;
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    const memoKey = this.#memoKey(key);
    if (memoKey != null && options?.ttl == null) {
      const hit = this.#memo.get(memoKey);
      if (hit && hit.until > Date.now() && hit.json === JSON.stringify(value)) return;
    }
    if (memoKey != null) this.#bump(memoKey);
    try {
      await this.inner.set(key, value, options);
    } catch (error) {
      if (memoKey != null) this.#memo.delete(memoKey);
      throw error;
    }
    if (memoKey != null) this.#remember(memoKey, value, this.#ttlOf(options));
  }

  async delete(key: KvKey): Promise<void> {
    const memoKey = this.#memoKey(key);
    if (memoKey != null) {
      this.#memo.delete(memoKey);
      this.#bump(memoKey);
    }
    await this.inner.delete(key);
    if (memoKey != null) this.#remember(memoKey, undefined);
  }

  async cas(key: KvKey, expectedValue: unknown, newValue: unknown, options?: KvStoreSetOptions): Promise<boolean> {
    if (this.inner.cas == null) throw new TypeError("The inner store has no compare-and-swap");
    const memoKey = this.#memoKey(key);
    if (memoKey != null) {
      this.#memo.delete(memoKey);
      this.#bump(memoKey);
    }
    const swapped = await this.inner.cas(key, expectedValue, newValue, options);
    if (swapped && memoKey != null) this.#remember(memoKey, newValue, this.#ttlOf(options));
    return swapped;
  }

  list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    return this.inner.list!(prefix);
  }
}
