/** Queries of the instance federation policy (migration 0013). */
import type { Kysely } from "kysely";
import type { Schema } from "./schema.ts";

type Mode = Schema["federation_settings"]["mode"];
type Action = Schema["federation_rules"]["action"];

export interface StoredRule {
  domain: string;
  action: Action;
  reason: string;
  created_at: Date;
}

export async function readFederationMode(db: Kysely<Schema>): Promise<Mode> {
  const row = await db.selectFrom("federation_settings").select("mode").where("id", "=", 1).executeTakeFirst();
  return row?.mode ?? "open";
}

export async function writeFederationMode(db: Kysely<Schema>, mode: Mode): Promise<void> {
  await db.insertInto("federation_settings").values({ id: 1, mode })
    .onConflict((oc) => oc.column("id").doUpdateSet({ mode, updated_at: new Date() }))
    .execute();
}

export async function listDomainRules(db: Kysely<Schema>): Promise<StoredRule[]> {
  return await db.selectFrom("federation_rules").select(["domain", "action", "reason", "created_at"])
    .orderBy("domain").orderBy("action").execute();
}

/**
 * Adds a rule (or changes its reason).  `block` and `allow` exclude each
 * other, so setting one removes the other.
 */
export async function addDomainRule(db: Kysely<Schema>, domain: string, action: Action, reason: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const opposite = action === "block" ? ["allow", "partner"] as Action[] : action === "allow" || action === "partner" ? ["block"] as Action[] : [];
    if (opposite.length > 0) {
      await trx.deleteFrom("federation_rules").where("domain", "=", domain).where("action", "in", opposite).execute();
    }
    await trx.insertInto("federation_rules").values({ domain, action, reason })
      .onConflict((oc) => oc.columns(["domain", "action"]).doUpdateSet({ reason }))
      .execute();
  });
}

/** Removes every rule of a domain; returns how many there were. */
export async function removeDomainRules(db: Kysely<Schema>, domain: string): Promise<number> {
  const result = await db.deleteFrom("federation_rules").where("domain", "=", domain).executeTakeFirst();
  return Number(result.numDeletedRows);
}
