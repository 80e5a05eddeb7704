/** Versioned community guidelines and members' consents to them (issue 6, item 7). */
import type { Kysely, Transaction } from "kysely";
import type { Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

/** The newest guidelines stored, if an admin ever stored any. */
export function findLatestGuidelines(db: Db) {
  return db.selectFrom("guidelines").selectAll().orderBy("version", "desc").limit(1).executeTakeFirst();
}

/** Every stored version, newest first. */
export function listGuidelines(db: Db) {
  return db.selectFrom("guidelines").selectAll().orderBy("version", "desc").execute();
}

/** How many members consent (not withdrawn) to each version. */
export async function countConsentsByVersion(db: Db): Promise<Map<number, number>> {
  const rows = await db.selectFrom("consents").select(["guidelines_version"])
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("withdrawn_at", "is", null).groupBy("guidelines_version").execute();
  return new Map(rows.map((r) => [r.guidelines_version, Number(r.n)]));
}

export async function insertGuidelines(db: Db, version: number, text: string): Promise<void> {
  await db.insertInto("guidelines").values({ version, text }).execute();
}

export async function insertConsent(db: Db, accountId: number, version: number): Promise<void> {
  await db.insertInto("consents").values({ account_id: accountId, guidelines_version: version }).execute();
  await db.updateTable("accounts").set({ consent_pending: false })
    .where("id", "=", accountId).where("consent_pending", "=", true).execute();
}

/** Whether the account has yet to give its first consent (migration 0016). */
export async function isConsentPending(db: Db, accountId: number): Promise<boolean> {
  const row = await db.selectFrom("accounts").select("consent_pending").where("id", "=", accountId).executeTakeFirst();
  return row?.consent_pending ?? false;
}

/** The member's latest consent (withdrawn or not); undefined when they never gave one. */
export function findLatestConsent(db: Db, accountId: number) {
  return db.selectFrom("consents").selectAll().where("account_id", "=", accountId)
    .orderBy("id", "desc").limit(1).executeTakeFirst();
}

export async function withdrawConsents(db: Db, accountId: number): Promise<void> {
  await db.updateTable("consents").set({ withdrawn_at: new Date() })
    .where("account_id", "=", accountId).where("withdrawn_at", "is", null).execute();
}
