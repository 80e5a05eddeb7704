/**
 * Fedify's message queue on our own database (the `queue_messages` table),
 * shared by every worker process on one PostgreSQL server, or in-process on
 * PGlite.
 *
 * A worker claims a message by setting `locked_until` (a lease) and deletes
 * it once its handler has finished, so a worker that dies mid-handler only
 * delays the message until the lease runs out.  Claims use `FOR UPDATE SKIP
 * LOCKED`; claims of messages with an ordering key also take a transaction
 * advisory lock on the key, so that two workers never both decide they hold
 * the head of the same key.  NOTIFY wakes idle workers; polling is the
 * fallback.
 */
import type {
  MessageQueue,
  MessageQueueDepth,
  MessageQueueEnqueueOptions,
  MessageQueueListenOptions,
} from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { type Kysely, type RawBuilder, sql } from "kysely";
import { isConnectionLoss } from "../db/connection-loss.ts";
import type { Database } from "../db/database.ts";
import type { Schema } from "../db/schema.ts";

const logger = getLogger(["kindred", "queue"]);

/** Options for {@link KyselyMessageQueue}. */
export interface KyselyMessageQueueOptions {
  /** How often an idle worker looks for work without a NOTIFY, in ms.  1000 by default. */
  readonly pollIntervalMs?: number;
  /**
   * How long a claimed message stays hidden from other workers, in ms.  A
   * handler still running after this long is presumed dead and its message
   * runs again elsewhere: keep it above the longest handler run.  5 minutes
   * by default.
   */
  readonly lockTimeoutMs?: number;
  /** The NOTIFY channel, a lower-case SQL identifier.  `"kindred_queue"` by default. */
  readonly channel?: string;
  /**
   * Handlers one `listen()` runs at once.  1 by default.  Prefer this to
   * Fedify's `ParallelMessageQueue`, which returns from our handler before
   * its work is done, so ordering keys and crash recovery only cover the
   * hand-off.
   */
  readonly concurrency?: number;
  /** A message claimed more often than this (its workers keep dying) is dropped.  10 by default. */
  readonly maxAttempts?: number;
}

type Claimed = { id: number; message: unknown; attempts: number };

/**
 * Thrown by a handler whose message must run again (after its lease runs
 * out, at most `maxAttempts` times): work of ours that Fedify's retries do
 * not cover, such as a group's fan-out.
 */
export class RetryLater extends Error {
  override name = "RetryLater";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
type Pending = { message: unknown; orderingKey: string | null; delayMs: number };

/** Messages per INSERT statement when a batch is large. */
const BATCH = 500;

function delayOf(options?: MessageQueueEnqueueOptions): number {
  return Math.max(0, options?.delay?.total("millisecond") ?? 0);
}

// Rows whose lease has run out are claimable again: their worker died.
const unleased = sql`(m.locked_until is null or m.locked_until <= now())`;
// A keyed message waits while another message of its key is leased, or while
// an older one of its key is due.  Delayed messages do not hold up their key.
const headOfKey = sql`not exists (
  select 1 from queue_messages o
  where o.ordering_key = m.ordering_key and o.id <> m.id
    and (o.locked_until > now() or (o.id < m.id and o.deliver_at <= now())))`;

/** A Fedify {@link MessageQueue} backed by the `queue_messages` table. */
export class KyselyMessageQueue implements MessageQueue {
  /** Failed handlers are not retried here: Fedify re-enqueues them itself. */
  readonly nativeRetrial = false;
  readonly #database: Database;
  readonly #options: Required<KyselyMessageQueueOptions>;

  /** @param database The handle from `openDatabase()`: LISTEN needs more than Kysely. */
  constructor(database: Database, options: KyselyMessageQueueOptions = {}) {
    this.#database = database;
    const { pollIntervalMs = 1000, lockTimeoutMs = 5 * 60_000, channel = "kindred_queue" } = options;
    const { concurrency = 1, maxAttempts = 10 } = options;
    this.#options = {
      pollIntervalMs, lockTimeoutMs, channel, concurrency: Math.max(1, concurrency), maxAttempts,
    };
    // LISTEN takes an identifier, pg_notify() a string: they agree on unquoted names only.
    if (!/^[a-z_][a-z0-9_]*$/.test(this.#options.channel)) {
      throw new TypeError(`Invalid queue channel name: ${this.#options.channel}`);
    }
  }

  /**
   * {@inheritDoc MessageQueue.enqueue}
   *
   * Messages enqueued in the same turn of the event loop go into one
   * transaction: Fedify enqueues a fan-out's deliveries one by one (each
   * with its own ordering key), and a thousand INSERTs and NOTIFYs cost far
   * more than one.  Each message keeps its own key and delay, and batches
   * are written one after another, so ids (hence the order under a key)
   * follow the order of the calls.
   */
  enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    if (message === undefined) return Promise.reject(new TypeError("Cannot enqueue undefined"));
    return this.#add([{ message, orderingKey: options?.orderingKey ?? null, delayMs: delayOf(options) }]);
  }

  /** {@inheritDoc MessageQueue.enqueueMany} As `enqueue`, in array order. */
  enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    if (messages.some((m) => m === undefined)) return Promise.reject(new TypeError("Cannot enqueue undefined"));
    const orderingKey = options?.orderingKey ?? null;
    const delayMs = delayOf(options);
    return this.#add(messages.map((message) => ({ message, orderingKey, delayMs })));
  }

  #pending: { rows: Pending[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #writing: Promise<void> = Promise.resolve();

  #add(rows: Pending[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ rows, resolve, reject });
      // The first of a batch schedules its write after the batch before it.
      if (this.#pending.length === 1) this.#writing = this.#writing.then(() => this.#flush());
    });
  }

  /** Writes what is pending, all or nothing, in one transaction. */
  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    const rows = batch.flatMap((b) => b.rows);
    try {
      // One statement is atomic by itself: a transaction only for several.
      if (rows.length <= BATCH) await this.#insert(this.#database.db, rows);
      else {
        await this.#database.db.transaction().execute(async (trx) => {
          for (let i = 0; i < rows.length; i += BATCH) await this.#insert(trx, rows.slice(i, i + BATCH));
        });
      }
      for (const b of batch) b.resolve();
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }

  async #insert(trx: Kysely<Schema>, rows: readonly Pending[]): Promise<void> {
    const json = JSON.stringify(rows.map((r) => ({ m: r.message, k: r.orderingKey, d: r.delayMs })));
    const delayMs = Math.min(...rows.map((r) => r.delayMs));
    // The NOTIFY goes out at commit, so listeners always find the rows.
    await sql`
      with inserted as (
        insert into queue_messages (message, ordering_key, deliver_at)
        select e.value -> 'm', e.value ->> 'k',
               now() + cast(e.value ->> 'd' as float8) * interval '1 millisecond'
        from jsonb_array_elements(cast(cast(${json} as text) as jsonb)) with ordinality as e(value, n)
        order by e.n
        returning id)
      select cast(pg_notify(${this.#options.channel}, ${String(delayMs)}) as text)`.execute(trx);
    logger.debug("Enqueued {count} message(s), delay {delayMs} ms.", { count: rows.length, delayMs });
  }

  /**
   * {@inheritDoc MessageQueue.listen}
   *
   * Resolves once `signal` aborts and the handlers in flight have finished;
   * never rejects.  A handler that throws is logged and its message deleted.
   */
  async listen(
    handler: (message: any) => Promise<void> | void,
    options: MessageQueueListenOptions = {},
  ): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return;
    const wakeup = new Wakeup(signal);
    const unsubscribe = await this.#subscribe(wakeup);
    const running = new Set<Promise<void>>();
    let keyedFirst = false;
    const { concurrency } = this.#options;
    // Claims are made for several free slots at once (one round trip for
    // many messages) unless nothing is running.
    const batchMin = Math.max(1, Math.ceil(concurrency / 4));
    try {
      while (!signal?.aborted) {
        const free = concurrency - running.size;
        if (free <= 0 || (running.size > 0 && free < batchMin)) {
          await wakeup.wait(this.#options.pollIntervalMs);
          continue;
        }
        keyedFirst = !keyedFirst;
        const claimed = await this.#claim(keyedFirst, free);
        if (claimed.length === 0) {
          if (running.size > 0) await wakeup.wait(this.#options.pollIntervalMs);
          else await wakeup.wait(await this.#idleWait());
          continue;
        }
        for (const message of claimed) {
          const task: Promise<void> = this.#run(handler, message).finally(() => {
            running.delete(task);
            wakeup.wake();
          });
          running.add(task);
        }
      }
    } finally {
      await Promise.all(running);
      await unsubscribe();
      wakeup.dispose();
    }
  }

  /**
   * {@inheritDoc MessageQueue.getDepth}
   *
   * Leased messages are being handled and are not counted; messages whose
   * lease has run out are, as ready.
   */
  async getDepth(): Promise<MessageQueueDepth> {
    const { rows } = await sql<{ ready: number; delayed: number }>`
      select cast(count(*) filter (where m.deliver_at <= now()) as int) as ready,
             cast(count(*) filter (where m.deliver_at > now()) as int) as delayed
      from queue_messages m where ${unleased}`.execute(this.#database.db);
    const { ready, delayed } = rows[0];
    return { queued: ready + delayed, ready, delayed };
  }

  /** Claims up to `limit` of the oldest due, unleased messages that also meet `where` (on alias `m`). */
  async #lease(db: Kysely<Schema>, where: RawBuilder<unknown>, limit: number): Promise<Claimed[]> {
    const { rows } = await sql<Claimed>`
      update queue_messages
      set locked_until = now() + cast(${this.#options.lockTimeoutMs} as float8) * interval '1 millisecond',
          attempts = attempts + 1
      where id in (
        select m.id from queue_messages m
        where ${where} and m.deliver_at <= now() and ${unleased}
        order by m.deliver_at, m.id limit ${limit}
        for update skip locked)
      returning id, message, attempts`.execute(db);
    return rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  /**
   * Claims up to `limit` messages; alternating which kind goes first keeps
   * either from starving the other.
   */
  async #claim(keyedFirst: boolean, limit: number): Promise<Claimed[]> {
    const unkeyed = (n: number) => this.#lease(this.#database.db, sql`m.ordering_key is null`, n);
    const keyed = (n: number) => this.#claimKeyed(n);
    try {
      const first = await (keyedFirst ? keyed : unkeyed)(limit);
      if (first.length >= limit) return first;
      return [...first, ...await (keyedFirst ? unkeyed : keyed)(limit - first.length)];
    } catch (error) {
      // The loop idles, then tries again: the database may be restarting.
      logger.error("Failed to claim a queued message:\n{error}", { error });
      return [];
    }
  }

  /**
   * Claims up to `limit` of the oldest due messages that head their
   * ordering keys (one per key: only the oldest due message of a key with
   * none leased heads it).  The candidates are found without locks, then
   * claimed in a transaction holding their keys' advisory locks, taken in
   * one sorted order so that two workers cannot deadlock: the claim's
   * snapshot, taken after the locks, sees every earlier claim of those keys,
   * so concurrent workers cannot both run one key.  Tries again when other
   * workers won every candidate.
   */
  async #claimKeyed(limit: number): Promise<Claimed[]> {
    const { db } = this.#database;
    for (let attempt = 0; attempt < 3; attempt++) {
      const { rows } = await sql<{ id: number; ordering_key: string }>`
        select m.id, m.ordering_key from queue_messages m
        where m.ordering_key is not null and m.deliver_at <= now() and ${unleased} and ${headOfKey}
        order by m.deliver_at, m.id limit ${limit}`.execute(db);
      if (rows.length === 0) return [];
      const keys = [...new Set(rows.map((r) => r.ordering_key))].sort();
      const ids = rows.map((r) => sql`${r.id}`);
      const claimed = await db.transaction().execute(async (trx) => {
        // Sorted by the lock's own value (a volatile function in the select
        // list runs after ORDER BY), so every worker takes them in one order.
        await sql`select cast(pg_advisory_xact_lock(hashtext('kindred_queue_messages'), k.h) as text)
          from (select distinct hashtext(v.key) as h
                from (values ${sql.join(keys.map((k) => sql`(cast(${k} as text))`))}) as v(key)) as k
          order by k.h`.execute(trx);
        return this.#lease(trx, sql`m.id in (${sql.join(ids)}) and ${headOfKey}`, rows.length);
      });
      if (claimed.length > 0) return claimed;
    }
    return [];
  }

  /** Runs one claimed message and deletes it; never throws. */
  async #run(handler: (message: any) => Promise<void> | void, claimed: Claimed): Promise<void> {
    const { id, attempts } = claimed;
    if (attempts > this.#options.maxAttempts) {
      logger.error("Dropping message {id}: claimed {attempts} times without finishing; " +
        "its handler may be crashing the worker.", { id, attempts });
    } else {
      if (attempts > 1) {
        logger.warn("Running message {id} again (attempt {attempts}): its previous worker " +
          "did not finish within the lock timeout.", { id, attempts });
      }
      try {
        await handler(claimed.message);
      } catch (error) {
        if (isConnectionLoss(error) || error instanceof RetryLater) {
          // The database went away under the handler, and with it Fedify's
          // own re-enqueue of the retry (or the handler asked for another
          // run): keep the message, which runs again once its lease runs
          // out, rather than lose it.
          logger.warn("Queue handler could not finish message {id}; it will run again after " +
            "the lock timeout:\n{error}", { id, error });
          return;
        }
        logger.error("Queue handler failed on message {id}; dropping it (Fedify re-enqueues " +
          "failures it wants retried):\n{error}", { id, error });
      }
    }
    await this.#finish(id, attempts);
  }

  #finished: { id: number; attempts: number; done: () => void }[] = [];
  #deleting: Promise<void> = Promise.resolve();

  /**
   * Deletes a handled message.  Messages finished while a delete is under
   * way are deleted together by the next one.  Never throws.
   */
  #finish(id: number, attempts: number): Promise<void> {
    return new Promise((done) => {
      this.#finished.push({ id, attempts, done });
      if (this.#finished.length === 1) this.#deleting = this.#deleting.then(() => this.#deleteFinished());
    });
  }

  async #deleteFinished(): Promise<void> {
    const batch = this.#finished;
    this.#finished = [];
    try {
      // `attempts` fences the delete: if our lease ran out and another worker
      // claimed the message, the row is theirs now.  Finishing a keyed
      // message unblocks its successor, so wake the workers for it (one
      // NOTIFY per transaction: PostgreSQL folds identical ones).
      const { rows } = await sql<{ id: number }>`
        with deleted as (
          delete from queue_messages q
          using (values ${sql.join(batch.map((f) => sql`(cast(${f.id} as bigint), cast(${f.attempts} as int))`))})
            as f(id, attempts)
          where q.id = f.id and q.attempts = f.attempts
          returning q.id, q.ordering_key)
        select id,
               case when ordering_key is not null
                    then cast(pg_notify(${this.#options.channel}, '0') as text) end as notified
        from deleted`.execute(this.#database.db);
      const deleted = new Set(rows.map((r) => Number(r.id)));
      for (const { id, attempts } of batch) {
        if (deleted.has(Number(id))) continue;
        logger.warn("Message {id} was claimed by another worker before this one finished; " +
          "the lock timeout is shorter than its handler run.", { id, attempts });
      }
    } catch (error) {
      logger.error("Could not delete {count} handled message(s); they will run again after the " +
        "lock timeout:\n{error}", { count: batch.length, ids: batch.map((f) => f.id), error });
    }
    for (const f of batch) f.done();
  }

  /** How long to idle: until the next delayed message is due, at most a poll interval. */
  async #idleWait(): Promise<number> {
    const { pollIntervalMs } = this.#options;
    try {
      const { rows } = await sql<{ ms: number | null }>`
        select cast(extract(epoch from (min(deliver_at) - now())) * 1000 as float8) as ms
        from queue_messages where deliver_at > now()`.execute(this.#database.db);
      const ms = rows[0]?.ms;
      return ms == null ? pollIntervalMs : Math.min(pollIntervalMs, Math.ceil(ms) + 1);
    } catch (error) {
      logger.warn("Failed to look up the next delayed message:\n{error}", { error });
      return pollIntervalMs;
    }
  }

  /** LISTENs on the channel; a NOTIFY's payload is the delay of the messages enqueued. */
  async #subscribe(wakeup: Wakeup): Promise<() => Promise<void>> {
    const { db } = this.#database;
    const onNotify = (payload: string) =>
      Number(payload) > 0 ? wakeup.wakeAt(Number(payload)) : wakeup.wake();
    try {
      // Holding a connection while (un)subscribing keeps PGlite's LISTEN out
      // of another caller's open transaction on its single session.
      const unlisten = await db.connection().execute(() =>
        this.#database.listen(this.#options.channel, onNotify));
      return async () => {
        try {
          await db.connection().execute(() => unlisten());
        } catch (error) {
          logger.warn("Failed to UNLISTEN the queue channel:\n{error}", { error });
        }
      };
    } catch (error) {
      logger.warn("Failed to LISTEN on the queue channel; polling only:\n{error}", { error });
      return async () => {};
    }
  }
}

/** Wakes the listen loop on NOTIFY, a finished handler, a due delayed message or abort. */
class Wakeup {
  #pending = false;
  #resolve: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #disposed = false;

  constructor(private readonly signal?: AbortSignal) {
    signal?.addEventListener("abort", () => this.wake(), { once: true });
  }

  wake(): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    // A wake-up while the loop is busy must not be lost: the next wait() returns at once.
    if (resolve == null) this.#pending = true;
    else resolve();
  }

  /** Wakes in `ms` milliseconds, unless an earlier timed wake-up is already set. */
  wakeAt(ms: number): void {
    const at = Date.now() + ms;
    if (this.#disposed || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timerAt = Infinity;
      this.wake();
    }, ms);
  }

  wait(ms: number): Promise<void> {
    if (this.#pending || this.signal?.aborted) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), ms);
      this.#resolve = () => (clearTimeout(timer), resolve());
    });
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
  }
}
