/**
 * A member's data rights (issue 6, item 6): the export of everything of
 * theirs, and the erasure of their account (federated by
 * federation/account-deletion.ts).
 */
import type { Account, Actor } from "../db/schema.ts";
import { collectAccountData } from "../db/account-data.ts";
import { listDeliveries } from "../db/delivery-tracking.ts";
import { deleteLocalAccount, kickDeletionDeliveries } from "../federation/account-deletion.ts";
import { exportOutbox } from "../federation/export-outbox.ts";
import type { AppServices } from "./app-env.ts";
import { ValidationError } from "./names.ts";
import { verifyPassword } from "./passwords.ts";

/** The export: `data` (the member's records as JSON) and `outbox` (their posts as ActivityStreams). */
export async function exportAccount(services: AppServices, account: Account, actor: Actor) {
  return {
    format: "kindred-export/1",
    exportedAt: new Date().toISOString(),
    instance: services.origin.href,
    actor: actor.uri,
    data: await collectAccountData(services.db, account.id, actor.id),
    outbox: await exportOutbox(services.fedify(), actor),
  };
}

/** The file name the export is offered under. */
export function exportFileName(account: Account): string {
  return `kindred-${account.username}-${new Date().toISOString().slice(0, 10)}.json`;
}

/**
 * Erases the member's account after checking their password; their Deletes
 * go out to every instance that knew them.  Resolves to how many
 * deliveries are tracked.
 */
export async function deleteAccount(services: AppServices, account: Account, actor: Actor, password: string): Promise<number> {
  if (account.deleted_at) throw new ValidationError("password", "this account is already deleted");
  if (!account.password_hash || !(await verifyPassword(password, account.password_hash))) {
    throw new ValidationError("password", "the password is not right");
  }
  const tracked = await deleteLocalAccount(services.fedify(), account, actor);
  kickDeletionDeliveries(services.db);
  return tracked;
}

/** Admins: the tracking of erased accounts' Delete deliveries. */
export function deletionDeliveries(services: AppServices, accountId?: number) {
  return listDeliveries(services.db, accountId);
}
