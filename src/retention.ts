/**
 * Retention (issue 6, item 6): `kindred retention run` deletes member
 * accounts unused for longer than RETENTION_INACTIVE_DAYS, through the
 * same path as a member's own deletion (federation/account-deletion.ts).
 * Admin accounts are never deleted this way.
 */
import type { Context } from "@fedify/fedify";
import { findAccountActor } from "../db/actors.ts";
import { listInactiveAccounts } from "../db/account-data.ts";
import { deleteLocalAccount, kickDeletionDeliveries } from "../federation/account-deletion.ts";
import type { ContextData } from "../federation/context.ts";

/** Deletes the inactive accounts; resolves to their usernames. */
export async function runRetention(ctx: Context<ContextData>, days: number): Promise<string[]> {
  const db = ctx.data.db;
  const deleted: string[] = [];
  for (const account of await listInactiveAccounts(db, days)) {
    const actor = await findAccountActor(db, account.id);
    if (!actor) continue;
    await deleteLocalAccount(ctx, account, actor);
    deleted.push(account.username);
  }
  kickDeletionDeliveries(db);
  return deleted;
}
