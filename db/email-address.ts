/**
 * A member's email address and its confirmation (issue 9, item 3): the
 * pending confirmation (one per account, the SHA-256 of its link's token),
 * confirming it, changing and removing the address.
 */
import { type Kysely, type Selectable, sql } from "kysely";
import type { EmailConfirmationsTable, Schema } from "./schema.ts";

type Db = Kysely<Schema>;

export type EmailConfirmation = Selectable<EmailConfirmationsTable>;

/** How long a confirmation link works. */
export const CONFIRMATION_HOURS = 24;

export function findPendingConfirmation(db: Db, accountId: number): Promise<EmailConfirmation | undefined> {
  return db.selectFrom("email_confirmations").selectAll().where("account_id", "=", accountId).executeTakeFirst();
}

/** An expired link is still shown to its member ("send it again") for this long, then deleted. */
export const EXPIRED_KEPT_DAYS = 7;

/**
 * Starts (or restarts, with a new token) the confirmation of `email` for
 * the account; the previous link stops working.  Also deletes every
 * account's links that expired more than EXPIRED_KEPT_DAYS ago: each holds
 * an address nobody confirmed, perhaps a stranger's.
 */
export async function savePendingConfirmation(db: Db, accountId: number, email: string, tokenHash: string): Promise<EmailConfirmation> {
  await db.deleteFrom("email_confirmations")
    .where("expires_at", "<", sql<Date>`now() - ${`${EXPIRED_KEPT_DAYS} days`}::interval`).execute();
  const expires = sql<Date>`now() + ${`${CONFIRMATION_HOURS} hours`}::interval`;
  return await db.insertInto("email_confirmations")
    .values({ account_id: accountId, email, token_hash: tokenHash, expires_at: expires })
    .onConflict((oc) =>
      oc.column("account_id").doUpdateSet({ email, token_hash: tokenHash, created_at: sql`now()`, expires_at: expires })
    )
    .returningAll().executeTakeFirstOrThrow();
}

/** The pending confirmation whose token hashes to `tokenHash`, expired or not, with its account's state. */
export function findConfirmationByHash(db: Db, tokenHash: string) {
  return db.selectFrom("email_confirmations as e")
    .innerJoin("accounts as a", "a.id", "e.account_id")
    .select(["e.account_id", "e.email", "e.expires_at", sql<boolean>`e.expires_at <= now()`.as("expired"), "a.deleted_at"])
    .where("e.token_hash", "=", tokenHash)
    .executeTakeFirst();
}

/**
 * Confirms the address of the unexpired confirmation whose token hashes to
 * `tokenHash`: it becomes the account's address, confirmed now, and the
 * confirmation is used up.  The account id, or undefined (unknown, expired,
 * or the account deleted).
 */
export async function confirmByHash(db: Db, tokenHash: string): Promise<number | undefined> {
  return await db.transaction().execute(async (trx) => {
    const used = await trx.deleteFrom("email_confirmations")
      .where("token_hash", "=", tokenHash).where("expires_at", ">", sql<Date>`now()`)
      .returning(["account_id", "email"]).executeTakeFirst();
    if (!used) return undefined;
    const row = await trx.updateTable("accounts").set({ email: used.email, email_verified_at: sql`now()` })
      .where("id", "=", used.account_id).where("deleted_at", "is", null)
      .returning("id").executeTakeFirst();
    return row?.id;
  });
}

/** Sets the account's address, unconfirmed (no email can confirm it), and forgets any pending confirmation. */
export async function setUnconfirmedEmail(db: Db, accountId: number, email: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("email_confirmations").where("account_id", "=", accountId).execute();
    await trx.updateTable("accounts")
      .set({
        email,
        // The same address keeps its confirmation; another starts unconfirmed.
        email_verified_at: sql`case when email = ${email} then email_verified_at else null end`,
      })
      .where("id", "=", accountId).execute();
  });
}

/** Removes the account's address and any pending confirmation, and turns notification emails off. */
export async function removeEmail(db: Db, accountId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("email_confirmations").where("account_id", "=", accountId).execute();
    await trx.updateTable("accounts").set({ email: null, email_verified_at: null }).where("id", "=", accountId).execute();
    await trx.updateTable("email_settings").set({ frequency: "off", since: sql`now()` })
      .where("account_id", "=", accountId).execute();
  });
}

/** Forgets a pending confirmation (a change abandoned). */
export async function deletePendingConfirmation(db: Db, accountId: number): Promise<void> {
  await db.deleteFrom("email_confirmations").where("account_id", "=", accountId).execute();
}
