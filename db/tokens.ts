/** API tokens, stored as SHA-256 hashes. */
import type { Kysely } from "kysely";
import type { Account, Schema } from "./schema.ts";

export async function insertToken(db: Kysely<Schema>, tokenHash: string, accountId: number): Promise<void> {
  await db.insertInto("api_tokens").values({ token_hash: tokenHash, account_id: accountId }).execute();
}

export async function findAccountByToken(db: Kysely<Schema>, tokenHash: string): Promise<Account | undefined> {
  return await db.selectFrom("api_tokens")
    .innerJoin("accounts", "accounts.id", "api_tokens.account_id")
    .selectAll("accounts")
    .where("api_tokens.token_hash", "=", tokenHash)
    .executeTakeFirst();
}
