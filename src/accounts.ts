/** Creating local member accounts. */
import type { Kysely } from "kysely";
import { insertAccount } from "../db/accounts.ts";
import type { Account, Schema } from "../db/schema.ts";
import { insertActor } from "../db/actors.ts";
import { saveKeyPairs } from "../db/keys.ts";
import { localAccountActor } from "../federation/local-actors.ts";
import { generateKeyPairs, keyOwner } from "../federation/keys.ts";
import { checkAddress } from "./email-address.ts";
import { checkName, ValidationError } from "./names.ts";
import { hashPassword } from "./passwords.ts";

export interface AccountInput {
  username: string;
  displayName?: string;
  password: string;
  email?: string;
  role?: "admin" | "member";
  /** Made without a consent (the CLI): asked on first web log-in (src/routes/web-consent.tsx). */
  consentPending?: boolean;
}

export const MIN_PASSWORD_LENGTH = 10;

export async function createAccount(db: Kysely<Schema>, origin: URL, input: AccountInput): Promise<Account> {
  const username = checkName("username", input.username);
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError("password", `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const displayName = (input.displayName ?? username).trim();
  if (displayName.length < 1 || displayName.length > 100) {
    throw new ValidationError("display name", "display name must be 1 to 100 characters");
  }
  // The same check as a later change of address: an address the mail client can send to.
  const email = input.email?.trim() ? checkAddress(input.email) : null;
  const passwordHash = await hashPassword(input.password);
  const keys = await generateKeyPairs();
  return db.transaction().execute(async (trx) => {
    const account = await insertAccount(trx, {
      username,
      display_name: displayName,
      email,
      password_hash: passwordHash,
      role: input.role ?? "member",
      consent_pending: input.consentPending ?? false,
    });
    await saveKeyPairs(trx, keyOwner.account(account.id), keys);
    await insertActor(trx, localAccountActor(origin, account));
    return account;
  });
}
