/**
 * API authentication: `POST /api/v1/sessions` trades a username and
 * password for a bearer token; only its SHA-256 is stored.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { findAccountByUsername } from "../db/accounts.ts";
import type { Account, Schema } from "../db/schema.ts";
import { findAccountByToken, insertToken } from "../db/tokens.ts";
import { verifyPassword } from "./passwords.ts";

const hash = (token: string) => createHash("sha256").update(token).digest("hex");

/** The account whose credentials these are (shared by the API and the web pages). */
export async function authenticate(db: Kysely<Schema>, username: string, password: string): Promise<Account | undefined> {
  const account = await findAccountByUsername(db, username.trim().toLowerCase());
  // Verify against a dummy hash when the account is missing, so that timing
  // does not tell which usernames exist.
  const ok = await verifyPassword(password, account?.password_hash ?? DUMMY_HASH);
  return account && ok ? account : undefined;
}

/** What a suspended member is told when they try to log in or use a token. */
export function suspendedMessage(account: Account): string {
  return `This account is suspended by the instance's administrators${
    account.suspended_reason ? `: ${account.suspended_reason}` : ""
  }.`;
}

export class SuspendedError extends Error {
  override name = "SuspendedError";
}

/**
 * A new token for the account, or undefined when the credentials are wrong.
 * Throws SuspendedError for a suspended account.
 */
export async function logIn(db: Kysely<Schema>, username: string, password: string): Promise<string | undefined> {
  const account = await authenticate(db, username, password);
  if (!account) return undefined;
  if (account.suspended_at) throw new SuspendedError(suspendedMessage(account));
  const token = randomBytes(32).toString("base64url");
  await insertToken(db, hash(token), account.id);
  return token;
}

export function accountForToken(db: Kysely<Schema>, token: string): Promise<Account | undefined> {
  return findAccountByToken(db, hash(token));
}

const DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
