/** Browser sessions, stored as the SHA-256 of their id (src/sessions.ts). */
import type { Kysely } from "kysely";
import type { Account, Schema } from "./schema.ts";

type Db = Kysely<Schema>;

export async function insertSession(db: Db, idHash: string, accountId: number, expiresAt: Date): Promise<void> {
  await db.insertInto("sessions").values({ id_hash: idHash, account_id: accountId, expires_at: expiresAt }).execute();
  await purgeExpiredSessions(db);
}

/**
 * Deletes up to `limit` expired sessions.  Run on every log-in, so that the
 * table never keeps more than a little dead weight, with no scheduler.
 */
export async function purgeExpiredSessions(db: Db, limit = 100): Promise<number> {
  const rows = await db.deleteFrom("sessions")
    .where("id_hash", "in", (eb) =>
      eb.selectFrom("sessions").select("id_hash").where("expires_at", "<", new Date()).limit(limit))
    .execute();
  return rows.reduce((n, r) => n + Number(r.numDeletedRows), 0);
}

/** The account of an unexpired session. */
export function findSessionAccount(db: Db, idHash: string): Promise<Account | undefined> {
  return db.selectFrom("sessions")
    .innerJoin("accounts", "accounts.id", "sessions.account_id")
    .selectAll("accounts")
    .where("sessions.id_hash", "=", idHash)
    .where("sessions.expires_at", ">", new Date())
    .executeTakeFirst();
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
}
