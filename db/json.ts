/**
 * JSON values for jsonb columns.  The parameter is typed text, so that
 * neither driver applies its own JSON serialisation on top of ours
 * (postgres.js would otherwise store a JSON string as a jsonb string).
 */
import { type RawBuilder, sql } from "kysely";

export function jsonb(value: unknown): RawBuilder<string> {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`not JSON-serialisable: ${typeof value}`);
  return sql<string>`cast(cast(${text} as text) as jsonb)`;
}
