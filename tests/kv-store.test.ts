import { type KvKey, MemoryKvStore } from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KyselyKvStore } from "../federation/kv-store.ts";
import { createTestDatabase, type TestDatabase, testEngine } from "./helpers/database.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (milliseconds: number) => Temporal.Duration.from({ milliseconds });

async function collect(store: KyselyKvStore | MemoryKvStore, prefix?: KvKey) {
  const out: { key: KvKey; value: unknown }[] = [];
  for await (const entry of store.list(prefix)) out.push({ key: entry.key, value: entry.value });
  return out;
}

describe(`KyselyKvStore (${testEngine})`, () => {
  let database: TestDatabase;
  let kv: KyselyKvStore;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.dispose();
  });
  beforeEach(async () => {
    await database.db.deleteFrom("kv").execute();
    kv = new KyselyKvStore(database.db);
  });

  it("returns undefined, not null, for a missing key", async () => {
    expect(await kv.get(["missing"])).toBeUndefined();
    await kv.set(["nullish"], null);
    expect(await kv.get(["nullish"])).toBeNull();
  });

  it("round-trips any JSON value", async () => {
    const values: unknown[] = [
      "plain", "", '"quoted"', "{\"not\":\"an object\"}", 0, -1.5, 1e300, true, false, null,
      [], [1, "two", null, { three: [3] }], {}, { nested: { deep: ["é", "🙂", "\u0001\t\n"] } },
    ];
    for (const [i, value] of values.entries()) await kv.set(["v", String(i)], value);
    for (const [i, value] of values.entries()) expect(await kv.get(["v", String(i)])).toEqual(value);
  });

  it("refuses values that are not JSON, or that jsonb cannot hold", async () => {
    await expect(kv.set(["x"], undefined)).rejects.toThrow(TypeError);
    await expect(kv.cas(["x"], undefined, () => 1)).rejects.toThrow(TypeError);
    // PostgreSQL's jsonb has no NUL character: such writes fail loudly.
    await expect(kv.set(["x"], "nul\u0000")).rejects.toThrow(/Unicode escape/);
    expect(await kv.get(["x"])).toBeUndefined();
  });

  it("overwrites, deletes, and tells keys apart part by part", async () => {
    const keys: KvKey[] = [["a"], ["a", "b"], ["ab"], ["a,b"], ["a\"", "b"], ["a\\"], ["%_"], ["ü"]];
    for (const key of keys) await kv.set(key, key.join("|"));
    for (const key of keys) expect(await kv.get(key)).toBe(key.join("|"));
    await kv.set(["a"], "again");
    expect(await kv.get(["a"])).toBe("again");
    await kv.delete(["a"]);
    await kv.delete(["never", "there"]);
    expect(await kv.get(["a"])).toBeUndefined();
    expect(await kv.get(["a", "b"])).toBe("a|b");
  });

  it("expires entries after their TTL, and a plain set clears the TTL", async () => {
    await kv.set(["short"], 1, { ttl: ms(300) });
    await kv.set(["kept"], 2, { ttl: ms(300) });
    await kv.set(["kept"], 3);
    await kv.set(["long"], 4, { ttl: Temporal.Duration.from({ hours: 1 }) });
    expect(await kv.get(["short"])).toBe(1);
    await sleep(450);
    expect(await kv.get(["short"])).toBeUndefined();
    expect(await kv.get(["kept"])).toBe(3);
    expect(await kv.get(["long"])).toBe(4);
    expect((await collect(kv)).map((e) => e.key)).toEqual([["kept"], ["long"]]);
  });

  it("sweeps expired rows on demand and, throttled, on writes", async () => {
    const eager = new KyselyKvStore(database.db, { sweepIntervalMs: 0 });
    await kv.set(["gone"], 1, { ttl: ms(100) });
    await sleep(200);
    const count = async () =>
      (await database.db.selectFrom("kv").select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow()).n;
    expect(Number(await count())).toBe(1);
    expect(await kv.sweep()).toBe(1);
    expect(Number(await count())).toBe(0);
    await kv.set(["gone"], 1, { ttl: ms(100) });
    await sleep(200);
    await eager.set(["other"], 2);
    expect(Number(await count())).toBe(1);
  });

  it("compare-and-swaps with undefined meaning absent", async () => {
    expect(await kv.cas(["c"], "x", "y")).toBe(false);
    expect(await kv.get(["c"])).toBeUndefined();
    expect(await kv.cas(["c"], undefined, { n: 1, tags: ["a"] })).toBe(true);
    expect(await kv.cas(["c"], undefined, { n: 9 })).toBe(false);
    // jsonb equality: key order does not matter, values do.
    expect(await kv.cas(["c"], { tags: ["a"], n: 1 }, { n: 2 })).toBe(true);
    expect(await kv.cas(["c"], { n: 1 }, { n: 3 })).toBe(false);
    expect(await kv.get(["c"])).toEqual({ n: 2 });
    expect(await kv.cas(["c"], { n: 2 }, null)).toBe(true);
    expect(await kv.cas(["c"], undefined, 1)).toBe(false);
    expect(await kv.cas(["c"], null, "s")).toBe(true);
    expect(await kv.get(["c"])).toBe("s");
  });

  it("treats an expired entry as absent in cas, and applies the new TTL", async () => {
    await kv.set(["t"], "old", { ttl: ms(100) });
    await sleep(200);
    expect(await kv.cas(["t"], "old", "new")).toBe(false);
    expect(await kv.cas(["t"], undefined, "fresh", { ttl: ms(200) })).toBe(true);
    expect(await kv.get(["t"])).toBe("fresh");
    await sleep(300);
    expect(await kv.get(["t"])).toBeUndefined();
  });

  it("lets exactly one of many concurrent cas calls win", async () => {
    const inserts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => kv.cas(["race"], undefined, i)));
    expect(inserts.filter(Boolean)).toHaveLength(1);
    const winner = await kv.get<number>(["race"]);
    const updates = await Promise.all(
      Array.from({ length: 20 }, (_, i) => kv.cas(["race"], winner, 100 + i)));
    expect(updates.filter(Boolean)).toHaveLength(1);
  });

  it("never loses an increment made through cas retry loops", async () => {
    await kv.set(["counter"], 0);
    const increment = async () => {
      for (;;) {
        const current = (await kv.get<number>(["counter"]))!;
        if (await kv.cas(["counter"], current, current + 1)) return;
      }
    };
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 10; i++) await increment();
    }));
    expect(await kv.get(["counter"])).toBe(80);
  });

  it("lists by whole key parts, not by string prefix", async () => {
    const keys: KvKey[] = [["a"], ["a", "b"], ["a", "b", "c"], ["a", "bc"], ["ab"], ["ab", "x"],
      ["a\"", "q"], ["b"], ["a,"], ["a-"]];
    for (const key of keys) await kv.set(key, key.length);
    const keysOf = async (prefix?: KvKey) =>
      (await collect(kv, prefix)).map((e) => JSON.stringify(e.key)).sort();
    const sorted = (list: KvKey[]) => list.map((k) => JSON.stringify(k)).sort();
    expect(await keysOf()).toEqual(sorted(keys));
    expect(await keysOf(["a"])).toEqual(sorted([["a"], ["a", "b"], ["a", "b", "c"], ["a", "bc"]]));
    expect(await keysOf(["a", "b"])).toEqual(sorted([["a", "b"], ["a", "b", "c"]]));
    expect(await keysOf(["ab"])).toEqual(sorted([["ab"], ["ab", "x"]]));
    expect(await keysOf(["a\""])).toEqual(sorted([["a\"", "q"]]));
    expect(await keysOf(["zzz"])).toEqual([]);
    expect((await collect(kv, ["a", "b", "c"]))[0]).toEqual({ key: ["a", "b", "c"], value: 3 });
  });

  it("pages through long listings without gaps or repeats", async () => {
    const small = new KyselyKvStore(database.db, { listBatchSize: 3 });
    for (let i = 0; i < 11; i++) await kv.set(["page", `k${String(i).padStart(2, "0")}`], i);
    await kv.set(["pager"], "outside");
    const listed = await collect(small, ["page"]);
    expect(listed.map((e) => e.value)).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(await collect(small)).toHaveLength(12);
  });

  it("agrees with Fedify's MemoryKvStore on random keys and prefixes", async () => {
    const memory = new MemoryKvStore();
    const parts = ["a", "b", "a,", "a\"", "ab", "", "é", "a]"];
    let seed = 42;
    const pick = () => parts[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % parts.length];
    const randomKey = (): KvKey => {
      const length = 1 + (pick().length % 3);
      return Array.from({ length }, pick) as unknown as KvKey;
    };
    for (let i = 0; i < 60; i++) {
      const key = randomKey();
      await kv.set(key, i);
      await memory.set(key, i);
    }
    const canon = (entries: { key: KvKey; value: unknown }[]) =>
      entries.map((e) => JSON.stringify([e.key, e.value])).sort();
    for (let i = 0; i < 30; i++) {
      const prefix = randomKey();
      expect(canon(await collect(kv, prefix)), JSON.stringify(prefix))
        .toEqual(canon(await collect(memory, prefix)));
    }
    expect(canon(await collect(kv))).toEqual(canon(await collect(memory)));
  });

  it("serves a prefix listing from the key index", async () => {
    for (let i = 0; i < 200; i++) await kv.set(["idx", String(i)], i);
    const plan = await database.db.transaction().execute(async (trx) => {
      // The table is tiny and unanalysed: make the planner show what it can do.
      await sql`set local enable_seqscan = off`.execute(trx);
      await sql`set local enable_bitmapscan = off`.execute(trx);
      const { rows } = await sql<{ "QUERY PLAN": string }>`explain
        select key, value from kv where key >= ${'["idx",'} and key < ${'["idx"-'}
        order by key limit 500`.execute(trx);
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
    expect(plan).toMatch(/Index (Only )?Scan using kv_pkey/);
    expect(plan).not.toMatch(/Sort/);
  });
});
