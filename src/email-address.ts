/**
 * A member's email address (issue 9, item 3): add, change or remove it
 * (with their password), and confirm it by a link emailed to it.  When the
 * server sends email (SMTP_URL), a new address waits in
 * `email_confirmations` and the old one stays until the link is used;
 * without it, the address is saved unconfirmed (nothing could confirm it).
 * The email job sends only to confirmed addresses
 * (db/email-settings.ts#listEmailCandidates).
 */
import { createHash, randomBytes } from "node:crypto";
import { getLogger } from "@logtape/logtape";
import type { Kysely } from "kysely";
import {
  CONFIRMATION_HOURS,
  confirmByHash,
  deletePendingConfirmation,
  findConfirmationByHash,
  findPendingConfirmation,
  removeEmail,
  savePendingConfirmation,
  setUnconfirmedEmail,
} from "../db/email-address.ts";
import type { Account, Schema } from "../db/schema.ts";
import { authenticate } from "./auth.ts";
import type { Limit, MailConfig } from "./config.ts";
import { confirmationEmail } from "./mail/confirmation-email.ts";
import { buildMessage, parseMailbox } from "./mail/message.ts";
import { sendMail } from "./mail/smtp-client.ts";
import { ValidationError } from "./names.ts";
import type { RateLimiter } from "./rate-limits.ts";

const logger = getLogger(["kindred", "mail", "confirmation"]);

/** What sending a confirmation needs. */
export interface AddressServices {
  db: Kysely<Schema>;
  origin: URL;
  instanceName: string;
  /** Email is sent only when `mail.smtpUrl` is set. */
  mail?: MailConfig;
  rateLimiter: RateLimiter;
}

/** Confirmation emails per account (new addresses and links sent again), whatever the address. */
export const LINKS_PER_DAY: Limit = { max: 5, windowSeconds: 86_400 };
/** "Send the link again", per account. */
export const RESENDS_PER_MINUTE: Limit = { max: 1, windowSeconds: 60 };
/** Confirmation emails to one address, from any account (sign-ups included): nobody mail-bombs an address. */
export const LINKS_PER_ADDRESS: Limit = { max: 3, windowSeconds: 86_400 };
/** Wrong passwords on these forms, per account (a right one is not counted): a stolen session cannot guess the password. */
export const PASSWORD_CHECKS: Limit = { max: 10, windowSeconds: 900 };

/** The address, whether it is confirmed, and the change waiting for its link. */
export interface AddressState {
  email: string | null;
  confirmed: boolean;
  confirmedAt: Date | null;
  pending: { email: string; sentAt: Date; expiresAt: Date; expired: boolean } | null;
}

export async function addressState(db: Kysely<Schema>, account: Account): Promise<AddressState> {
  const pending = await findPendingConfirmation(db, account.id);
  return {
    email: account.email,
    confirmed: account.email != null && account.email_verified_at != null,
    confirmedAt: account.email ? account.email_verified_at : null,
    pending: pending
      ? { email: pending.email, sentAt: pending.created_at, expiresAt: pending.expires_at, expired: pending.expires_at <= new Date() }
      : null,
  };
}

/** As the SMTP client accepts it (src/mail/smtp-client.ts): a plain address with a dotted domain. */
const ADDRESS = /^[^\s<>@"(),;:\\]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;

export function checkAddress(value: unknown): string {
  const email = typeof value === "string" ? value.trim() : "";
  if (email === "") throw new ValidationError("email", "Enter the new email address.");
  if (email.length > 254 || !ADDRESS.test(email)) {
    throw new ValidationError("email", `"${email}" is not an email address such as name@example.org.`);
  }
  return email;
}

async function checkPassword(s: AddressServices, account: Account, password: unknown): Promise<void> {
  if (typeof password !== "string" || password === "") throw new ValidationError("password", "The password is not right.");
  const attempt = await s.rateLimiter.take([{ name: "email-password-account", subject: String(account.id), limit: PASSWORD_CHECKS }]);
  if (!(await authenticate(s.db, account.username, password))) throw new ValidationError("password", "The password is not right.");
  await attempt.refund();
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function confirmationUrl(origin: URL, token: string): string {
  const url = new URL("/settings/email/confirm", origin);
  url.searchParams.set("token", token);
  return url.href;
}

/** What a change of address did. */
export type ChangeOutcome =
  /** The link went to the new address; the old one stays until it is used. */
  | "sent"
  /** The link is waiting, but the mail server could not take it: send it again later. */
  | "send-failed"
  /** Saved unconfirmed: this server sends no email. */
  | "saved"
  /** The address was already the account's and confirmed: nothing to confirm (a pending change is dropped). */
  | "kept";

/** A new token for `email`, stored hashed, and the link emailed to it. */
async function sendConfirmation(s: AddressServices, accountId: number, email: string): Promise<boolean> {
  // Counted by recipient (hashed: the limits table keeps no addresses), whichever account asks.
  const recipient = createHash("sha256").update(email.toLowerCase()).digest("hex");
  await s.rateLimiter.take([{ name: "email-link-address", subject: recipient, limit: LINKS_PER_ADDRESS }]);
  const token = randomBytes(32).toString("base64url");
  await savePendingConfirmation(s.db, accountId, email, hashToken(token));
  const mail = s.mail!;
  const content = confirmationEmail({ instanceName: s.instanceName, link: confirmationUrl(s.origin, token), hours: CONFIRMATION_HOURS });
  try {
    await sendMail({ url: mail.smtpUrl!, startTls: mail.startTls, clientName: s.origin.hostname, deadlineMs: 30_000 }, {
      from: parseMailbox(mail.from).address,
      to: email,
      data: buildMessage({ from: mail.from, to: email, ...content, messageIdHost: s.origin.hostname }),
    });
  } catch (error) {
    // The address is not logged: it may be anyone's.
    logger.warn("Could not email a confirmation link for account {accountId}: {error}", { accountId, error });
    return false;
  }
  logger.info("Emailed a confirmation link for account {accountId}", { accountId });
  return true;
}

function sends(s: AddressServices): boolean {
  return s.mail?.smtpUrl != null;
}

/**
 * Adds or changes the member's address, after checking their password.
 * Bad input throws {@link ValidationError}, too many links
 * RateLimitedError; either way nothing is saved.
 */
export async function changeEmailAddress(
  s: AddressServices,
  account: Account,
  input: { email: unknown; password: unknown },
): Promise<ChangeOutcome> {
  const email = checkAddress(input.email);
  await checkPassword(s, account, input.password);
  const same = account.email != null && account.email.toLowerCase() === email.toLowerCase();
  if (same && account.email_verified_at) {
    await deletePendingConfirmation(s.db, account.id);
    return "kept";
  }
  if (!sends(s)) {
    await setUnconfirmedEmail(s.db, account.id, email);
    return same ? "kept" : "saved";
  }
  await s.rateLimiter.take([{ name: "email-link-account", subject: String(account.id), limit: LINKS_PER_DAY }]);
  return (await sendConfirmation(s, account.id, email)) ? "sent" : "send-failed";
}

/** Removes the member's address (password checked): no more notification emails. */
export async function removeEmailAddress(s: AddressServices, account: Account, password: unknown): Promise<void> {
  const db = s.db;
  await checkPassword(s, account, password);
  if (account.email == null && !(await findPendingConfirmation(db, account.id))) {
    throw new ValidationError("email", "Your account has no email address to remove.");
  }
  await removeEmail(db, account.id);
}

/** Sends the link again (a new one): for the pending change, or the current unconfirmed address. */
export async function resendConfirmation(s: AddressServices, account: Account): Promise<"sent" | "send-failed"> {
  if (!sends(s)) throw new ValidationError("email", "This server does not send email at the moment, so no link can be sent.");
  const pending = await findPendingConfirmation(s.db, account.id);
  const email = pending?.email ?? (account.email && !account.email_verified_at ? account.email : undefined);
  if (!email) throw new ValidationError("email", "There is no address waiting to be confirmed.");
  await s.rateLimiter.take([
    { name: "email-resend-account", subject: String(account.id), limit: RESENDS_PER_MINUTE },
    { name: "email-link-account", subject: String(account.id), limit: LINKS_PER_DAY },
  ]);
  return (await sendConfirmation(s, account.id, email)) ? "sent" : "send-failed";
}

/** After a sign-up with an address: its confirmation link, when the server sends email.  Never throws. */
export async function confirmSignupAddress(s: AddressServices, account: Account): Promise<void> {
  if (!sends(s) || !account.email) return;
  try {
    await sendConfirmation(s, account.id, account.email);
  } catch (error) {
    logger.error("Could not start the confirmation for account {accountId}: {error}", { accountId: account.id, error });
  }
}

/** What a confirmation link's token is: usable, expired, or unknown (used, replaced, or never issued). */
export async function checkConfirmationToken(db: Kysely<Schema>, token: string): Promise<"valid" | "expired" | "unknown"> {
  if (!/^[\w-]{43}$/.test(token)) return "unknown";
  const found = await findConfirmationByHash(db, hashToken(token));
  if (!found || found.deleted_at) return "unknown";
  return found.expired ? "expired" : "valid";
}

/** Uses a confirmation link: the address becomes the account's, confirmed.  Whether it worked. */
export async function confirmEmailToken(db: Kysely<Schema>, token: string): Promise<boolean> {
  if (!/^[\w-]{43}$/.test(token)) return false;
  const accountId = await confirmByHash(db, hashToken(token));
  if (accountId != null) logger.info("Account {accountId} confirmed its email address", { accountId });
  return accountId != null;
}
