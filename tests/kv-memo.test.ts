/**
 * The memo in front of the key–value store (federation/kv-memo.ts), on the
 * real store: a second KyselyKvStore on the same database plays another
 * process.
 */
import type { KvKey, KvStoreSetOptions } from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MemoKvStore } from "../federation/kv-memo.ts";
import { KyselyKvStore } from "../federation/kv-store.ts";
import { createTestDatabase, type TestDatabase, testEngine } from "./helpers/database.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real store, counting the calls that reach it. */
class CountingStore extends KyselyKvStore {
  reads = 0;
  writes = 0;
  override get<T>(key: KvKey) {
    this.reads++;
    return super.get<T>(key);
  }
  override set(key: KvKey, value: unknown, options?: KvStoreSetOptions) {
    this.writes++;
    return super.set(key, value, options);
  }
}

describe(`MemoKvStore (${testEngine})`, () => {
  let database: TestDatabase;
  let inner: CountingStore;
  let memo: MemoKvStore;
  let other: KyselyKvStore;
  const spec: KvKey = ["_fedify", "spec", "https://a.example"];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.dispose();
  });
  beforeEach(async () => {
    await database.db.deleteFrom("kv").execute();
    inner = new CountingStore(database.db);
    memo = new MemoKvStore(inner, { prefixes: [["_fedify", "spec"]], ttlMs: 300 });
    other = new KyselyKvStore(database.db);
  });

  it("reads a memoised key from the store once per ttl, and sees another process's write after it", async () => {
    await other.set(spec, "rfc9421");
    expect(await memo.get(spec)).toBe("rfc9421");
    await other.set(spec, "draft-cavage-http-signatures-12");
    expect(await memo.get(spec)).toBe("rfc9421");
    expect(inner.reads).toBe(1);
    await sleep(350);
    expect(await memo.get(spec)).toBe("draft-cavage-http-signatures-12");
    expect(inner.reads).toBe(2);
  });

  it("memoises absence too, and its own writes at once", async () => {
    expect(await memo.get(spec)).toBeUndefined();
    expect(await memo.get(spec)).toBeUndefined();
    expect(inner.reads).toBe(1);
    await memo.set(spec, "rfc9421");
    expect(await memo.get(spec)).toBe("rfc9421");
    expect(await other.get(spec)).toBe("rfc9421");
    await memo.delete(spec);
    expect(await memo.get(spec)).toBeUndefined();
    expect(await other.get(spec)).toBeUndefined();
    expect(inner.reads).toBe(1);
  });

  it("does not write again the value it holds, unless the write has an expiry", async () => {
    await memo.set(spec, "rfc9421");
    await memo.set(spec, "rfc9421");
    expect(inner.writes).toBe(1);
    await memo.set(spec, "draft-cavage-http-signatures-12");
    expect(inner.writes).toBe(2);
    await memo.set(spec, "draft-cavage-http-signatures-12", { ttl: Temporal.Duration.from({ seconds: 60 }) });
    expect(inner.writes).toBe(3);
  });

  it("drops an entry whose compare-and-swap failed, so the next read goes to the store", async () => {
    const circuit: KvKey = ["_fedify", "spec", "https://b.example"];
    await memo.set(circuit, { state: "closed" });
    await other.set(circuit, { state: "open" });
    expect(await memo.cas(circuit, { state: "closed" }, { state: "half-open" })).toBe(false);
    expect(await memo.get(circuit)).toEqual({ state: "open" });
    expect(await memo.cas(circuit, { state: "open" }, { state: "half-open" })).toBe(true);
    expect(await other.get(circuit)).toEqual({ state: "half-open" });
    expect(await memo.get(circuit)).toEqual({ state: "half-open" });
  });

  it("keeps a memoised entry no longer than the expiry it was written with", async () => {
    const long = new MemoKvStore(inner, { prefixes: [["_fedify", "spec"]], ttlMs: 60_000 });
    await long.set(spec, "rfc9421", { ttl: Temporal.Duration.from({ milliseconds: 100 }) });
    await sleep(150);
    expect(await long.get(spec)).toBeUndefined();
  });

  it("does not let a read that began before this process's write put the older value back", async () => {
    await other.set(spec, "rfc9421");
    // The real store, its reads answered late (a busy database).
    class SlowReads extends KyselyKvStore {
      override async get<T>(key: KvKey) {
        const value = await super.get<T>(key);
        await sleep(150);
        return value;
      }
    }
    const slow = new MemoKvStore(new SlowReads(database.db), { prefixes: [["_fedify", "spec"]], ttlMs: 60_000 });
    const reading = slow.get(spec);
    await sleep(50);
    await slow.set(spec, "draft-cavage-http-signatures-12");
    expect(await reading).toBe("rfc9421");
    expect(await slow.get(spec)).toBe("draft-cavage-http-signatures-12");
  });

  it("passes other keys straight through", async () => {
    const key: KvKey = ["_fedify", "activityIdempotence", "x"];
    expect(await memo.get(key)).toBeUndefined();
    await other.set(key, true);
    expect(await memo.get(key)).toBe(true);
    // A prefix is matched by whole parts: ["_fedify", "specs"] is not under ["_fedify", "spec"].
    const near: KvKey = ["_fedify", "specs", "x"];
    expect(await memo.get(near)).toBeUndefined();
    await other.set(near, 1);
    expect(await memo.get(near)).toBe(1);
  });
});
