/**
 * What our two Kysely dialects (db/pglite-dialect.ts, db/postgres-dialect.ts)
 * share: both speak PostgreSQL, so only the driver differs.
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type TransactionSettings,
} from "kysely";

/** A statement with no parameters, as Kysely's drivers run them. */
export function raw(sql: string): CompiledQuery {
  return { sql, parameters: [], query: { kind: "RawNode" } } as unknown as CompiledQuery;
}

/** Savepoints, the same SQL on every PostgreSQL connection. */
export abstract class PostgresDriver implements Driver {
  abstract init(): Promise<void>;
  abstract acquireConnection(): Promise<DatabaseConnection>;
  abstract beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void>;
  abstract commitTransaction(conn: DatabaseConnection): Promise<void>;
  abstract rollbackTransaction(conn: DatabaseConnection): Promise<void>;
  abstract releaseConnection(conn: DatabaseConnection): Promise<void>;
  abstract destroy(): Promise<void>;

  async savepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(raw(`savepoint ${name}`));
  }

  async rollbackToSavepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(raw(`rollback to savepoint ${name}`));
  }

  async releaseSavepoint(conn: DatabaseConnection, name: string): Promise<void> {
    await conn.executeQuery(raw(`release savepoint ${name}`));
  }
}

/** A PostgreSQL dialect around a driver. */
export abstract class PostgresFamilyDialect implements Dialect {
  abstract createDriver(): Driver;
  createAdapter() {
    return new PostgresAdapter();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

