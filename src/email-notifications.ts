/**
 * Notifications by email (issue 9, item 3).  A job, run every
 * DIGEST_INTERVAL_SECONDS on worker nodes and by `kindred digests send
 * [--now ISO]`, emails each member who chose it:
 * - immediate: their new unread notifications, once the oldest is a minute
 *   old (a burst of replies makes one email);
 * - daily / weekly: at DIGEST_HOUR (weekly: on DIGEST_WEEKDAY), the unread
 *   notifications not yet emailed.
 * A notification read in the app before the email goes is left out; one
 * emailed is marked (`emailed_at`) and never emailed again.  Each member is
 * claimed (a lease in the database, CLAIM_LEASE_SECONDS) while their email
 * is sent, so two workers on one database never both email them: the claim
 * is renewed just before the send, a send gives up after SEND_DEADLINE_MS
 * (far less than the lease), and what a worker records afterwards counts
 * only while it still holds the claim (its token).  A failed send, or any
 * error for one member, is recorded for that member and tried again with
 * back-off (the notifications wait, unsent); the run goes on with the
 * others.  At-least-once at one point: a message handed to the mail server
 * whose sending could not be recorded (a crash, a database error) goes
 * again.
 */
import type { Context } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { findAccountActor } from "../db/actors.ts";
import { findAccountById } from "../db/accounts.ts";
import {
  choicesOf,
  claimRecipient,
  type EmailRecipient,
  findEmailSettings,
  kindsOf,
  listEmailCandidates,
  listEmailDetails,
  listUnemailed,
  MAX_PER_EMAIL,
  recordFailure,
  recordNothingToSend,
  recordSent,
  releaseClaim,
  renewClaim,
} from "../db/email-settings.ts";
import { listNotificationsByIds } from "../db/notifications.ts";
import type { ContextData } from "../federation/context.ts";
import type { MailConfig } from "./config.ts";
import { hideUnreadable } from "./group-access.ts";
import { buildMessage, parseMailbox } from "./mail/message.ts";
import { notificationEmail } from "./mail/notification-email.ts";
import { lastDigestTime } from "./mail/schedule.ts";
import { type Envelope, SEND_DEADLINE_MS, sendMail, SmtpError } from "./mail/smtp-client.ts";

const logger = getLogger(["kindred", "mail", "notifications"]);

/** An immediate member's email waits until its oldest notification is this old. */
export const IMMEDIATE_BATCH_MS = 60_000;

/** Waits before the next attempt after `attempts` failures: 1, 2, 4, … minutes, at most 6 hours. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** attempts, 6 * 3600_000);
}

export interface EmailJob {
  mail: MailConfig;
  origin: URL;
  instanceName: string;
  fedify(): Context<ContextData>;
}

export interface EmailRunResult {
  /** False when SMTP_URL is not set: nothing was sent nor marked. */
  enabled: boolean;
  sent: number;
  failed: number;
}

export function unsubscribeUrl(origin: URL, token: string): string {
  return new URL(`/email/unsubscribe/${token}`, origin).href;
}

/**
 * Until when a member's notifications are due at `now`, or undefined when
 * they are not: immediate, up to now; a digest, up to the latest digest
 * time, once per period (a notification after it waits for the next one).
 */
function dueUntil(r: EmailRecipient, now: Date, mail: MailConfig): Date | undefined {
  if (r.frequency === "off") return undefined;
  if (r.frequency === "immediate") return now;
  const at = lastDigestTime(now, r.frequency, { hour: mail.digestHour, weekday: mail.digestWeekday, timeZone: mail.timeZone });
  const last = Math.max(r.since.getTime(), r.last_sent_at?.getTime() ?? 0);
  return last < at.getTime() ? at : undefined;
}

/** A worker's claim on a member: `token` is the end of its lease (db/email-settings.ts#claimRecipient). */
interface Claim {
  accountId: number;
  token: Date;
}

/** Runs the job once, as if at `now`. */
export async function runEmailNotifications(job: EmailJob, now = new Date()): Promise<EmailRunResult> {
  const result: EmailRunResult = { enabled: job.mail.smtpUrl != null, sent: 0, failed: 0 };
  if (!job.mail.smtpUrl) return result;
  const db = job.fedify().data.db;
  let after = 0;
  for (;;) {
    const batch = await listEmailCandidates(db, now, after);
    if (batch.length === 0) break;
    after = batch[batch.length - 1].account_id;
    for (const candidate of batch) {
      if (!dueUntil(candidate, now, job.mail)) continue;
      let claim: Claim | undefined;
      try {
        const token = await claimRecipient(db, candidate.account_id);
        if (!token) continue;
        claim = { accountId: candidate.account_id, token };
        const outcome = await emailOne(job, candidate, claim, now);
        if (outcome === "sent") result.sent++;
        if (outcome === "failed") result.failed++;
      } catch (error) {
        // One member's trouble (a database error, a bug on odd data) must not stop the others' emails.
        result.failed++;
        await recordError(job, candidate, claim, now, error);
      }
    }
  }
  if (result.sent || result.failed) logger.info("Emailed {sent} member(s); {failed} failed", { ...result });
  return result;
}

/** An unexpected error for one member: logged, and recorded like a failed send (tried again after a back-off). */
async function recordError(job: EmailJob, candidate: EmailRecipient, claim: Claim | undefined, now: Date, error: unknown) {
  const accountId = candidate.account_id;
  const message = error instanceof Error ? error.message : String(error);
  const retryAt = new Date(now.getTime() + retryDelayMs(candidate.attempts));
  logger.error("The email job failed for account {accountId} (tried again at {retryAt}): {error}", {
    accountId,
    retryAt: retryAt.toISOString(),
    error,
  });
  if (!claim) return;
  try {
    await recordFailure(job.fedify().data.db, accountId, claim.token, retryAt, message);
  } catch (again) {
    // The claim then runs out by itself (CLAIM_LEASE_SECONDS).
    logger.error("Could not record the failure for account {accountId}: {error}", { accountId, error: again });
  }
}

/** Emails one claimed member, if they are still due once claimed. */
async function emailOne(job: EmailJob, candidate: EmailRecipient, claim: Claim, now: Date): Promise<"sent" | "failed" | "none"> {
  const ctx = job.fedify();
  const db = ctx.data.db;
  const accountId = candidate.account_id;
  // Read again under the claim: another worker may have just sent it.
  const settings = await findEmailSettings(db, accountId);
  const account = await findAccountById(db, accountId);
  const actor = account ? await findAccountActor(db, accountId) : undefined;
  const fresh = settings && account?.email && account.email_verified_at && !account.suspended_at && !account.deleted_at
    ? { ...settings, email: account.email, username: account.username }
    : undefined;
  const until = fresh && dueUntil(fresh, now, job.mail);
  if (!fresh || !actor || !until || (fresh.next_attempt_at && fresh.next_attempt_at > now)) {
    await releaseClaim(db, accountId, claim.token);
    return "none";
  }
  const choices = choicesOf(fresh);
  const pending = await listUnemailed(db, accountId, kindsOf(choices), fresh.since, until);
  const immediate = fresh.frequency === "immediate";
  if (pending.length === 0 || (immediate && now.getTime() - pending[0].created_at.getTime() < IMMEDIATE_BATCH_MS)) {
    if (immediate) await releaseClaim(db, accountId, claim.token);
    else await recordNothingToSend(db, accountId, claim.token, now);
    return "none";
  }
  const ids = pending.map((n) => n.id);
  const items = await hideUnreadable(ctx, { account: account!, actor }, await listNotificationsByIds(db, accountId, ids));
  if (items.length === 0) {
    // Deleted since they were listed (the account's data erased meanwhile).
    await releaseClaim(db, accountId, claim.token);
    return "none";
  }
  const details = new Map((await listEmailDetails(db, ids)).map((d) => [d.id, d]));
  const content = notificationEmail({
    frequency: fresh.frequency as "immediate" | "daily" | "weekly",
    showDetails: choices.showDetails,
    instanceName: job.instanceName,
    origin: job.origin,
    unsubscribeUrl: unsubscribeUrl(job.origin, fresh.unsubscribe_token),
    items,
    details,
  });
  const from = job.mail.from;
  const envelope: Envelope = {
    from: parseMailbox(from).address,
    to: fresh.email,
    data: buildMessage({
      from,
      to: fresh.email,
      subject: content.subject,
      text: content.text,
      html: content.html,
      unsubscribeUrl: unsubscribeUrl(job.origin, fresh.unsubscribe_token),
      messageIdHost: job.origin.hostname,
    }),
  };
  // A full lease for the send, which gives up well before it ends (SEND_DEADLINE_MS).
  const renewed = await renewClaim(db, accountId, claim.token);
  if (!renewed) {
    logger.warn("Lost the claim on account {accountId} before sending; another worker has it", { accountId });
    return "none";
  }
  claim.token = renewed;
  try {
    await sendMail({
      url: job.mail.smtpUrl!,
      startTls: job.mail.startTls,
      clientName: job.origin.hostname,
      deadlineMs: SEND_DEADLINE_MS,
    }, envelope);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const retryAt = new Date(now.getTime() + retryDelayMs(fresh.attempts));
    const held = await recordFailure(db, accountId, claim.token, retryAt, message);
    const permanent = error instanceof SmtpError && !error.temporary;
    logger[permanent ? "error" : "warn"](
      "Email to account {accountId} failed (attempt {attempt}), tried again at {retryAt}: {message}",
      { accountId, attempt: fresh.attempts + 1, retryAt: retryAt.toISOString(), message },
    );
    if (!held) logger.warn("The claim on account {accountId} ran out during the send; its failure is not recorded", { accountId });
    return "failed";
  }
  const held = await recordSent(db, accountId, claim.token, ids, now, pending.length < MAX_PER_EMAIL);
  if (!held) logger.warn("The claim on account {accountId} ran out during the send; another worker may email too", { accountId });
  logger.debug("Emailed {n} notification(s) to account {accountId}", { n: ids.length, accountId });
  return "sent";
}

/** Runs the job every `mail.intervalSeconds` until `signal` aborts (worker nodes). */
export function startEmailNotifications(job: EmailJob, signal: AbortSignal): void {
  if (!job.mail.smtpUrl || job.mail.intervalSeconds === 0) return;
  let running = false;
  const timer = setInterval(async () => {
    if (running || signal.aborted) return;
    running = true;
    try {
      await runEmailNotifications(job);
    } catch (error) {
      logger.error("The email job failed: {error}", { error });
    } finally {
      running = false;
    }
  }, job.mail.intervalSeconds * 1000);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}
