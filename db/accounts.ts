/** Queries on local member accounts. */
import type { Kysely, Transaction } from "kysely";
import { reserveName } from "./groups.ts";
import type { Account, NewAccount, Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

/** Reserves the username and creates the account; run it inside a transaction. */
export async function insertAccount(trx: Transaction<Schema>, account: NewAccount): Promise<Account> {
  await reserveName(trx, account.username, "account");
  return trx.insertInto("accounts").values(account).returningAll().executeTakeFirstOrThrow();
}

export function findAccountByUsername(db: Db, username: string): Promise<Account | undefined> {
  return db.selectFrom("accounts").selectAll().where("username", "=", username).executeTakeFirst();
}

/** What a local name belongs to, if anything. */
export async function findLocalName(
  db: Db,
  name: string,
): Promise<"account" | "group" | undefined> {
  const row = await db.selectFrom("local_names").select("kind").where("name", "=", name)
    .executeTakeFirst();
  return row?.kind;
}

export function findAccountById(db: Db, id: number): Promise<Account | undefined> {
  return db.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirst();
}
