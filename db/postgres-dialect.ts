/**
 * A Kysely dialect over postgres.js that survives PostgreSQL dropping its
 * connections.
 *
 * postgres.js 3.4.9 (porsager/postgres#1154, #1208) leaves a connection in a
 * bad state when its socket closes: a reserved connection keeps being used
 * after its socket is gone (the next small write throws a `TypeError` from a
 * `setImmediate`, which no caller can catch, and the process dies), a
 * released one goes back to the idle list, and a write that was pending when
 * the socket closed leaves a stale timer behind, so that every later write on
 * that connection object is buffered and never sent (queries hang).  The
 * connection objects are closures we cannot repair, so this dialect contains
 * the damage instead:
 *
 * - every connection Kysely holds is a lease on a `reserve()`d postgres.js
 *   connection of one pool *generation*;
 * - when any connection of the current generation closes without our asking
 *   (postgres.js's `onclose`; idle and lifetime limits are off, so nothing
 *   else closes one), the generation is retired: new leases come from a
 *   fresh pool, every lease of the old one is marked broken, and the old pool
 *   is ended, its stragglers destroyed after `drainSeconds`;
 * - a broken lease fails its queries at once with `CONNECTION_CLOSED`
 *   (callers answer 503 and peers retry) and is never released back into the
 *   old pool, so postgres.js never writes to a connection without a socket.
 */
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from "kysely";
import { PostgresDriver, PostgresFamilyDialect, raw } from "./dialect-common.ts";
import type { Options, ReservedSql, Sql } from "postgres";

import postgres from "postgres";
import { connectionLost, isConnectionLoss } from "./connection-loss.ts";

export interface ResilientPostgresOptions {
  /** A `postgres://` URL. */
  url: string;
  /** postgres.js options; `onclose`, `idle_timeout` and `max_lifetime` are ours. */
  // deno-lint-ignore no-explicit-any
  options: Options<any>;
  /** How long the queries of a retired pool may still run before it is destroyed. */
  drainSeconds?: number;
  /** Told each time a pool is retired, with the number of retirements so far. */
  onRetire?: (retirements: number) => void;
}

/**
 * postgres.js keeps every prepared statement of a connection for the
 * connection's life, in Node and in its PostgreSQL backend.  A list of ids
 * (`in ($1, …, $n)`) makes a new statement for each length, so a page whose
 * lists grow (a thread's replies) grew both without end (the soak's "leak"):
 * statements with more parameters than this run unnamed, never kept.
 */
const PREPARE_MAX_PARAMETERS = 32;

class Generation {
  retired = false;
  readonly leases = new Set<Lease>();
  /** Told when the generation retires: the acquisitions waiting on it. */
  readonly waiting = new Set<() => void>();
  constructor(readonly sql: Sql) {}

  retire(): void {
    this.retired = true;
    for (const wake of this.waiting) wake();
    this.waiting.clear();
  }
}

class Lease implements DatabaseConnection {
  broken = false;
  inTransaction = false;

  constructor(
    private readonly pools: ResilientPostgres,
    public reserved: ReservedSql,
    public generation: Generation,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // Outside a transaction a lease holds no state but its connection: a
    // query that was never sent, or one that changes nothing (a read, a
    // `begin`), runs again on a fresh connection instead of failing.
    const harmless = query.query?.kind === "SelectQueryNode" ||
      (query.query?.kind === "RawNode" && /^begin\b/.test(query.sql));
    for (let attempt = 0;; attempt++) {
      if (this.broken) {
        if (this.inTransaction || attempt > 2) throw connectionLost();
        await this.pools.replace(this);
      }
      try {
        return await this.#run<R>(query);
      } catch (error) {
        if (!isConnectionLoss(error)) throw error;
        // Whatever happened to the socket, this connection is not used again.
        this.broken = true;
        if (this.inTransaction || !harmless) throw error;
      }
    }
  }

  async #run<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.reserved.unsafe(query.sql, [...query.parameters] as never[], {
      prepare: query.parameters.length <= PREPARE_MAX_PARAMETERS,
      simple: false,
    } as { prepare: boolean });
    const { command, count } = result;
    return {
      rows: Array.from(result) as R[],
      ...(command === "INSERT" || command === "UPDATE" || command === "DELETE" || command === "MERGE"
        ? { numAffectedRows: BigInt(count) }
        : {}),
    };
  }

  // deno-lint-ignore require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("Streaming queries are not supported");
  }
}

/** The pools and their generations; `listen` has a connection of its own. */
export class ResilientPostgres {
  #current: Generation;
  #retiring = new Set<Promise<void>>();
  #retirements = 0;
  #closing = false;
  #listener: Sql | undefined;

  constructor(private readonly config: ResilientPostgresOptions) {
    this.#current = this.#open();
  }

  get retirements(): number {
    return this.#retirements;
  }

  #open(): Generation {
    const generation: Generation = new Generation(postgres(this.config.url, {
      ...this.config.options,
      idle_timeout: undefined,
      max_lifetime: null,
      onclose: () => this.#onClose(generation),
    }));
    return generation;
  }

  #onClose(generation: Generation): void {
    if (this.#closing) return;
    // We cannot tell which connection closed: none of this pool's leases is
    // trusted any more.
    for (const lease of generation.leases) lease.broken = true;
    if (generation !== this.#current) return;
    generation.retire();
    this.#current = this.#open();
    this.config.onRetire?.(++this.#retirements);
    const ending = generation.sql.end({ timeout: this.config.drainSeconds ?? 5 })
      .catch(() => {})
      .finally(() => this.#retiring.delete(ending));
    this.#retiring.add(ending);
  }

  /** A lease on a connection of the current pool. */
  async acquire(): Promise<Lease> {
    const { reserved, generation } = await this.#reserve();
    const lease = new Lease(this, reserved, generation);
    generation.leases.add(lease);
    return lease;
  }

  /** Moves a broken lease outside any transaction onto a fresh connection. */
  async replace(lease: Lease): Promise<void> {
    lease.generation.leases.delete(lease);
    const { reserved, generation } = await this.#reserve();
    lease.reserved = reserved;
    lease.generation = generation;
    lease.broken = false;
    generation.leases.add(lease);
  }

  async #reserve(): Promise<{ reserved: ReservedSql; generation: Generation }> {
    for (let attempt = 0;; attempt++) {
      if (this.#closing) throw Object.assign(new Error("The database is closing"), { code: "CONNECTION_ENDED" });
      const generation = this.#current;
      const reserving = generation.sql.reserve();
      // A retired pool's queued reservations may never be served (its
      // connections are ending) nor refused: stop waiting when it retires.
      // (Not a Promise.race with a promise that lives as long as the pool:
      // each race would leave a reaction on it, holding its connection.)
      const outcome = await new Promise<{ reserved: ReservedSql } | { error: unknown } | undefined>((resolve) => {
        const wake = () => resolve(undefined);
        generation.waiting.add(wake);
        reserving.then((reserved) => resolve({ reserved }), (error: unknown) => resolve({ error }))
          .finally(() => generation.waiting.delete(wake));
      });
      if (outcome === undefined || generation.retired) {
        // Its connection may be the one that closed: not used here.  When it
        // comes, it is handed back and the old pool's idle connections closed.
        reserving.then((reserved) => {
          reserved.release();
          // `close()` (not in the types) ends each idle connection again.
          (generation.sql as Sql & { close(): Promise<void> }).close().catch(() => {});
        }, () => {});
        if (attempt < 3) continue;
        throw connectionLost();
      }
      if ("error" in outcome) throw outcome.error;
      return { reserved: outcome.reserved, generation };
    }
  }

  release(lease: Lease): void {
    lease.generation.leases.delete(lease);
    // A broken lease's connection may have no socket: it is never handed out
    // again; its pool's end destroys it.
    if (!lease.broken) lease.reserved.release();
  }

  listen(channel: string, onNotify: (payload: string) => void): ReturnType<Sql["listen"]> {
    // LISTEN keeps its own connection (postgres.js re-subscribes after a drop)
    // on a pool of its own, which retiring the query pools never ends.
    this.#listener ??= postgres(this.config.url, { ...this.config.options, max: 1, fetch_types: false });
    return this.#listener.listen(channel, onNotify);
  }

  async end(timeoutSeconds: number): Promise<void> {
    this.#closing = true;
    await Promise.all([
      this.#current.sql.end({ timeout: timeoutSeconds }),
      this.#listener?.end({ timeout: timeoutSeconds }),
      ...this.#retiring,
    ]);
  }
}

class ResilientDriver extends PostgresDriver {
  constructor(private readonly pools: ResilientPostgres) {
    super();
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    return this.pools.acquire();
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : "";
    const access = settings.accessMode ? ` ${settings.accessMode}` : "";
    await conn.executeQuery(raw(`begin${isolation}${access}`));
    (conn as Lease).inTransaction = true;
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    try {
      await conn.executeQuery(raw("commit"));
    } finally {
      (conn as Lease).inTransaction = false;
    }
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    // A failed commit already ended the transaction, one way or the other.
    if ((conn as Lease).broken) throw connectionLost();
    try {
      await conn.executeQuery(raw("rollback"));
    } finally {
      (conn as Lease).inTransaction = false;
    }
  }


  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    this.pools.release(conn as Lease);
  }

  async destroy(): Promise<void> {}
}


/** Kysely dialect over `ResilientPostgres`; ending the pools is the caller's job. */
export class ResilientPostgresDialect extends PostgresFamilyDialect {
  constructor(private readonly pools: ResilientPostgres) {
    super();
  }
  createDriver(): Driver {
    return new ResilientDriver(this.pools);
  }
}
