import { ParallelMessageQueue } from "@fedify/fedify";
import { testMessageQueue } from "@fedify/testing";
import { Temporal } from "@js-temporal/polyfill";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KyselyMessageQueue, RetryLater, type KyselyMessageQueueOptions } from "../federation/message-queue.ts";
import { createTestDatabase, type TestDatabase, testEngine } from "./helpers/database.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (milliseconds: number) => Temporal.Duration.from({ milliseconds });

/** Polls an async condition (bounded), e.g. a row count that settles after a handler returns. */
async function eventually(predicate: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await predicate())) {
    if (Date.now() - started > timeoutMs) throw new Error("Timed out waiting");
    await sleep(10);
  }
}

async function waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error("Timed out waiting");
    await sleep(10);
  }
}

/** A handler that waits until released; records what it was given. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const seen: unknown[] = [];
  return { seen, open, handler: async (m: unknown) => { seen.push(m); await opened; } };
}

describe(`KyselyMessageQueue (${testEngine})`, () => {
  let database: TestDatabase;
  const logs: LogRecord[] = [];
  let channelSeq = 0;
  // Each test gets its own channel, so no stray NOTIFY crosses tests.
  const queue = (options: KyselyMessageQueueOptions = {}) =>
    new KyselyMessageQueue(database, { channel: `kq_test_${channelSeq}`, ...options });
  const start = (q: { listen: KyselyMessageQueue["listen"] }, handler: (m: any) => unknown) => {
    const controller = new AbortController();
    const done = q.listen(async (m) => void (await handler(m)), { signal: controller.signal });
    return { done, stop: async () => { controller.abort(); await done; } };
  };
  const rowCount = async () => Number((await sql<{ n: number }>`
    select count(*) as n from queue_messages`.execute(database.db)).rows[0].n);
  const logged = (pattern: RegExp) => logs.some((r) => pattern.test(String(r.rawMessage)));

  beforeAll(async () => {
    database = await createTestDatabase();
    await configure({
      sinks: { memory: (record) => void logs.push(record) },
      loggers: [
        { category: ["kindred"], sinks: ["memory"], lowestLevel: "info" },
        { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
      ],
      reset: true,
    });
  });
  afterAll(async () => {
    await reset();
    await database?.dispose();
  });
  beforeEach(async () => {
    channelSeq++;
    logs.length = 0;
    await database.db.deleteFrom("queue_messages").execute();
  });

  it("passes Fedify's message queue test suite, ordering keys included", async () => {
    await testMessageQueue(
      () => queue(),
      ({ controller }) => controller.abort(),
      { testOrderingKey: true },
    );
    expect(await rowCount()).toBe(0);
  });

  it("wakes on NOTIFY, not on polling", async () => {
    const q = queue({ pollIntervalMs: 60_000 });
    const got: number[] = [];
    const worker = start(q, (m) => got.push(Date.now() - m.sent));
    await sleep(300);
    await q.enqueue({ sent: Date.now() });
    await waitFor(() => got.length === 1);
    // Generous for loaded CI machines; polling alone would take a minute.
    expect(got[0]).toBeLessThan(5000);
    await worker.stop();
  });

  it("holds delayed messages back until due, then delivers them on time", async () => {
    const q = queue({ pollIntervalMs: 60_000 });
    const got: { m: string; at: number }[] = [];
    const worker = start(q, (m) => got.push({ m, at: Date.now() }));
    await sleep(300);
    const sent = Date.now();
    await q.enqueue("later", { delay: ms(1200) });
    await q.enqueueMany(["now1", "now2"]);
    await waitFor(() => got.length === 2);
    expect(got.map((g) => g.m).sort()).toEqual(["now1", "now2"]);
    expect(await q.getDepth()).toEqual({ queued: 1, ready: 0, delayed: 1 });
    await waitFor(() => got.length === 3);
    expect(got[2].m).toBe("later");
    // Delivered by the timer from the NOTIFY payload: the poll interval is a minute.
    expect(got[2].at - sent).toBeGreaterThanOrEqual(1150);
    expect(got[2].at - sent).toBeLessThan(10_000);
    await worker.stop();
  });

  it("runs one message per ordering key at a time, in order, across workers", async () => {
    const keys = ["k1", "k2", "k3"];
    const active = new Map<string, number>();
    const order = new Map<string, number[]>(keys.map((k) => [k, []]));
    let running = 0, maxRunning = 0, overlaps = 0, done = 0;
    const handler = async (m: { key: string | null; n: number }) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      if (m.key != null) {
        if ((active.get(m.key) ?? 0) > 0) overlaps++;
        active.set(m.key, (active.get(m.key) ?? 0) + 1);
        order.get(m.key)!.push(m.n);
      }
      await sleep(Math.random() * 15);
      if (m.key != null) active.set(m.key, active.get(m.key)! - 1);
      running--;
      done++;
    };
    const q1 = queue({ concurrency: 4 }), q2 = queue({ concurrency: 4 });
    const w1 = start(q1, handler), w2 = start(q2, handler);
    for (let n = 0; n < 12; n++) {
      for (const key of keys) await q1.enqueue({ key, n }, { orderingKey: key });
      await q2.enqueue({ key: null, n });
    }
    await q1.enqueueMany([12, 13, 14].map((n) => ({ key: "k1", n })), { orderingKey: "k1" });
    await waitFor(() => done === 51, 30_000);
    await Promise.all([w1.stop(), w2.stop()]);
    expect(overlaps).toBe(0);
    expect(order.get("k1")).toEqual(Array.from({ length: 15 }, (_, i) => i));
    for (const key of ["k2", "k3"]) expect(order.get(key)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // Different keys (and unkeyed messages) did run side by side.
    expect(maxRunning).toBeGreaterThan(1);
    expect(await rowCount()).toBe(0);
  });

  it("does not let a delayed message hold up its ordering key", async () => {
    const q = queue();
    const got: string[] = [];
    const worker = start(q, (m) => got.push(m));
    await q.enqueue("delayed", { orderingKey: "k", delay: ms(600) });
    await q.enqueue("immediate", { orderingKey: "k" });
    await waitFor(() => got.length === 2);
    expect(got).toEqual(["immediate", "delayed"]);
    await worker.stop();
  });

  it("runs a message again, after its lease, when its handler asks for it (RetryLater)", async () => {
    const options = { lockTimeoutMs: 600, pollIntervalMs: 100 };
    const runs: number[] = [];
    const w = start(queue(options), (m) => {
      runs.push(Date.now());
      if (runs.length === 1) throw new RetryLater(`not yet: ${String(m)}`);
    });
    try {
      await queue().enqueue("fan-out");
      await waitFor(() => runs.length === 2);
      expect(runs[1] - runs[0]).toBeGreaterThanOrEqual(500);
      await eventually(async () => (await rowCount()) === 0);
    } finally {
      await w.stop();
    }
    expect(runs).toHaveLength(2);
  });

  it("re-runs a message whose worker died, once its lock times out", async () => {
    const options = { lockTimeoutMs: 1000, pollIntervalMs: 100 };
    const dead = gate();
    const a = start(queue(options), dead.handler);
    await queue().enqueue("job");
    await waitFor(() => dead.seen.length === 1);
    const claimedAt = Date.now();
    const got: { m: unknown; at: number }[] = [];
    const b = start(queue(options), (m) => got.push({ m, at: Date.now() }));
    try {
      await waitFor(() => got.length === 1);
      expect(got[0].m).toBe("job");
      expect(got[0].at - claimedAt).toBeGreaterThanOrEqual(900);
      expect(logged(/Running message \{id\} again/)).toBe(true);
      // The row goes once b's handler has returned, not when it is called.
      await eventually(async () => (await rowCount()) === 0);
    } finally {
      // The "dead" worker wakes up late: its delete is fenced off, harmlessly.
      // (Stopped whatever happened above, so no worker outlives this test.)
      dead.open();
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(logged(/claimed by another worker before this one finished/)).toBe(true);
    expect(got).toHaveLength(1);
  });

  it("honours leases left in the table, and drops a message that keeps killing workers", async () => {
    await sql`insert into queue_messages (message, locked_until, attempts) values
      (${'"expired"'}::text::jsonb, now() - interval '1 second', 1),
      (${'"leased"'}::text::jsonb, now() + interval '1 hour', 1),
      (${'"poison"'}::text::jsonb, now() - interval '1 second', 3)`.execute(database.db);
    const q = queue({ maxAttempts: 3 });
    expect(await q.getDepth()).toEqual({ queued: 2, ready: 2, delayed: 0 });
    const got: string[] = [];
    const worker = start(q, (m) => got.push(m));
    await waitFor(() => logged(/Dropping message/) && got.length === 1);
    await sleep(200);
    await worker.stop();
    expect(got).toEqual(["expired"]);
    const { rows } = await sql<{ message: string; attempts: number }>`
      select message, attempts from queue_messages`.execute(database.db);
    expect(rows).toEqual([{ message: "leased", attempts: 1 }]);
  });

  it("keeps each message's key, delay and order when many are enqueued in one turn (and batched)", async () => {
    const q = queue();
    // As Fedify enqueues a fan-out: one enqueue() per inbox, all in the same turn.
    await Promise.all([
      ...Array.from({ length: 600 }, (_, i) => q.enqueue({ n: i }, { orderingKey: `post\n${i % 3}` })),
      q.enqueue({ n: "later" }, { delay: ms(60_000) }),
    ]);
    const rows = await database.db.selectFrom("queue_messages")
      .select(["id", "message", "ordering_key", sql<boolean>`deliver_at > now() + interval '30 seconds'`.as("delayed")])
      .orderBy("id").execute();
    expect(rows).toHaveLength(601);
    const keyed = rows.filter((r) => !r.delayed);
    expect(keyed.map((r) => (r.message as { n: number }).n)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(keyed.map((r) => r.ordering_key)).toEqual(Array.from({ length: 600 }, (_, i) => `post\n${i % 3}`));
    expect(rows.filter((r) => r.delayed).map((r) => [r.message, r.ordering_key])).toEqual([[{ n: "later" }, null]]);
    await expect(q.enqueue(undefined)).rejects.toThrow(TypeError);
  });

  it("writes batches one after another, so a later message of a key never overtakes an earlier one", async () => {
    const q = queue();
    const first = Array.from({ length: 1200 }, (_, i) => q.enqueue({ n: i }, { orderingKey: "post" }));
    await Promise.resolve(); // the next turn: a second batch while the first is being written
    const second = [q.enqueue({ n: "delete" }, { orderingKey: "post" }), q.enqueueMany([{ n: "x" }, { n: "y" }], { orderingKey: "post" })];
    await Promise.all([...first, ...second]);
    const rows = await database.db.selectFrom("queue_messages").select("message").orderBy("id").execute();
    expect(rows.map((r) => (r.message as { n: unknown }).n))
      .toEqual([...Array.from({ length: 1200 }, (_, i) => i), "delete", "x", "y"]);
  });

  it("reports depth without the messages being handled", async () => {
    const q = queue();
    expect(await q.getDepth()).toEqual({ queued: 0, ready: 0, delayed: 0 });
    await q.enqueueMany(["a", "b", "c"]);
    await q.enqueueMany(["x", "y"], { delay: ms(60_000) });
    expect(await q.getDepth()).toEqual({ queued: 5, ready: 3, delayed: 2 });
    const blocked = gate();
    const worker = start(q, blocked.handler);
    await waitFor(() => blocked.seen.length === 1);
    expect(await q.getDepth()).toEqual({ queued: 4, ready: 2, delayed: 2 });
    blocked.open();
    await waitFor(() => blocked.seen.length === 3);
    await worker.stop();
    expect(await q.getDepth()).toEqual({ queued: 2, ready: 0, delayed: 2 });
  });

  it("stops listening on abort, after finishing the message in hand", async () => {
    const q = queue({ pollIntervalMs: 60_000 });
    const preAborted = AbortSignal.abort();
    await q.listen(() => {}, { signal: preAborted });

    const idle = start(q, () => {});
    await sleep(200);
    const t0 = Date.now();
    await idle.stop();
    expect(Date.now() - t0).toBeLessThan(3000);

    const busy = gate();
    const controller = new AbortController();
    let finished = false;
    const done = q.listen(busy.handler, { signal: controller.signal }).then(() => (finished = true));
    await q.enqueueMany(["first", "second"]);
    await waitFor(() => busy.seen.length === 1);
    controller.abort();
    await sleep(200);
    expect(finished).toBe(false);
    busy.open();
    await done;
    expect(busy.seen).toEqual(["first"]);
    const { rows } = await sql<{ message: string }>`select message from queue_messages`
      .execute(database.db);
    expect(rows.map((r) => r.message)).toEqual(["second"]);
  });

  it("logs and drops a message whose handler throws, and carries on", async () => {
    const q = queue();
    const got: string[] = [];
    const worker = start(q, (m) => {
      if (m === "bad") throw new Error("boom");
      got.push(m);
    });
    await q.enqueueMany(["bad", "good"]);
    await waitFor(() => got.length === 1);
    await worker.stop();
    expect(logged(/Queue handler failed/)).toBe(true);
    expect(logs.find((r) => /Queue handler failed/.test(String(r.rawMessage)))?.level).toBe("error");
    expect(await rowCount()).toBe(0);
  });

  it("works under Fedify's ParallelMessageQueue", async () => {
    const parallel = new ParallelMessageQueue(queue(), 5);
    expect(parallel.nativeRetrial).toBe(false);
    const counts = new Map<number, number>();
    let running = 0, maxRunning = 0;
    const worker = start(parallel, async (n: number) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(20);
      counts.set(n, (counts.get(n) ?? 0) + 1);
      running--;
    });
    await parallel.enqueueMany(Array.from({ length: 40 }, (_, i) => i));
    await waitFor(() => counts.size === 40);
    await worker.stop();
    await waitFor(() => running === 0);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(maxRunning).toBeGreaterThan(1);
    expect(await parallel.getDepth!()).toEqual({ queued: 0, ready: 0, delayed: 0 });
  });

  it("rejects channel names LISTEN and pg_notify would disagree on", () => {
    expect(() => queue({ channel: "Mixed-Case" })).toThrow(TypeError);
  });
});
