// Kysely 0.29 ships a PGlite dialect, but it shares its one connection with
// every concurrent caller: a query from another request runs inside whatever
// transaction is open.  This one serialises callers instead.
/**
 * A Kysely dialect for embedded PGlite.
 *
 * PGlite is one Postgres backend in WebAssembly: it has exactly one session,
 * so the driver hands out a single connection at a time.  A transaction
 * therefore holds the database for its whole duration; keep them short.
 */
import type { PGlite } from "@electric-sql/pglite";
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from "kysely";
import { PostgresDriver, PostgresFamilyDialect, raw } from "./dialect-common.ts";

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.pg.query<R>(query.sql, [...query.parameters]);
    const kind = query.query.kind;
    const counts = kind === "InsertQueryNode" || kind === "UpdateQueryNode" ||
      kind === "DeleteQueryNode" || kind === "MergeQueryNode" || kind === "RawNode";
    return {
      rows: result.rows,
      ...(counts && result.affectedRows != null
        ? { numAffectedRows: BigInt(result.affectedRows) }
        : {}),
    };
  }

  // deno-lint-ignore require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("PGlite dialect does not support streaming queries");
  }
}

/** A FIFO mutex: PGlite's single session must not interleave transactions. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const acquired = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return acquired;
  }
}

class PGliteDriver extends PostgresDriver {
  readonly #mutex = new Mutex();
  readonly #releases = new WeakMap<DatabaseConnection, () => void>();
  readonly #connection: PGliteConnection;

  constructor(private readonly pg: PGlite) {
    super();
    this.#connection = new PGliteConnection(pg);
  }

  async init(): Promise<void> {
    await this.pg.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#mutex.lock();
    this.#releases.set(this.#connection, release);
    return this.#connection;
  }

  async beginTransaction(
    conn: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    const isolation = settings.isolationLevel
      ? ` isolation level ${settings.isolationLevel}`
      : "";
    await conn.executeQuery(raw(`begin${isolation}`));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(raw("commit"));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(raw("rollback"));
  }


  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    const release = this.#releases.get(conn);
    this.#releases.delete(conn);
    release?.();
  }

  async destroy(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
}


/** Kysely dialect over an already created PGlite instance. */
export class PGliteDialect extends PostgresFamilyDialect {
  constructor(private readonly pg: PGlite) {
    super();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pg);
  }
}
