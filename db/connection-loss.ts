/**
 * Errors that mean the connection to PostgreSQL failed, not the query: the
 * same query may well succeed on a fresh connection a moment later.
 */

/** postgres.js and Node codes for a lost or refused connection; SQLSTATEs of a backend shut down. */
const LOST_CODES = new Set([
  "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT",
  "ECONNRESET", "ECONNREFUSED", "EPIPE", "57P01", "57P02", "57P03",
]);

/** Whether an error (or one of its causes) means the connection, not the query, failed. */
export function isConnectionLoss(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    // Class 08: connection exceptions.
    if (typeof code === "string" && (LOST_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The error a query fails with when it was not sent because its connection is gone. */
export function connectionLost(): Error {
  return Object.assign(new Error("The connection to PostgreSQL was lost; the query was not run."), {
    code: "CONNECTION_CLOSED",
  });
}
