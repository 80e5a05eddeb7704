/**
 * Errors that mean the database cannot take the request right now (its disk
 * is full, it is shutting down or unreachable): the answer is 503 with
 * `Retry-After` and a clear message, not a 500, and the log says why.
 */
import { isConnectionLoss } from "../db/connection-loss.ts";

/** SQLSTATEs: disk full, out of memory, too many connections, shutdown, connection failures. */
const SQLSTATES: Record<string, string> = {
  "53100": "the database's disk is full",
  "53200": "the database is out of memory",
  "53300": "the database has too many connections",
  "57P01": "the database is shutting down",
  "57P02": "the database is restarting",
  "57P03": "the database is not accepting connections yet",
  "08000": "the connection to the database failed",
  "08003": "the connection to the database failed",
  "08006": "the connection to the database failed",
};


/** Why the database cannot serve the request, or undefined for any other error. */
export function unavailableReason(error: unknown): string | undefined {
  if (typeof error !== "object" || error == null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string" && code in SQLSTATES) return SQLSTATES[code];
  if (isConnectionLoss(error)) return "the connection to the database failed";
  if (typeof message === "string" && /No space left on device|ENOSPC/.test(message)) return "the server's disk is full";
  const cause = (error as { cause?: unknown }).cause;
  return cause && cause !== error ? unavailableReason(cause) : undefined;
}

export const UNAVAILABLE_MESSAGE =
  "Kindred cannot save or read data right now (the server's administrators have been told). Please try again in a few minutes.";
