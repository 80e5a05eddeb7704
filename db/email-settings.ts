/**
 * Members' email choices and the bookkeeping of the email job
 * (src/email-notifications.ts): who is due, a claim per member so that two
 * workers never email the same member at once, and which notifications
 * were emailed.
 */
import { randomBytes } from "node:crypto";
import { type Kysely, type Selectable, sql } from "kysely";
import type { EmailFrequency, EmailSettingsTable, NotificationKind, Schema } from "./schema.ts";

type Db = Kysely<Schema>;

export type EmailSettings = Selectable<EmailSettingsTable>;

export interface EmailChoices {
  frequency: EmailFrequency;
  emailReplies: boolean;
  emailMembership: boolean;
  emailModeration: boolean;
  emailStaff: boolean;
  showDetails: boolean;
}

/** The notification kinds each choice covers. */
export const KINDS_OF_CHOICE = {
  emailReplies: ["reply", "mention"],
  emailMembership: ["join_accepted", "join_rejected"],
  emailModeration: ["moderation", "post_held", "post_approved", "post_rejected"],
  emailStaff: ["report", "feedback", "join_request"],
} as const satisfies Record<string, NotificationKind[]>;

/** Each choice's column in `email_settings`, with its kinds. */
const CHOICE_COLUMNS = [
  ["email_replies", KINDS_OF_CHOICE.emailReplies],
  ["email_membership", KINDS_OF_CHOICE.emailMembership],
  ["email_moderation", KINDS_OF_CHOICE.emailModeration],
  ["email_staff", KINDS_OF_CHOICE.emailStaff],
] as const;

export const DEFAULT_CHOICES: EmailChoices = {
  frequency: "off",
  emailReplies: true,
  emailMembership: true,
  emailModeration: true,
  emailStaff: true,
  showDetails: false,
};

export function choicesOf(s: EmailSettings | undefined): EmailChoices {
  if (!s) return DEFAULT_CHOICES;
  return {
    frequency: s.frequency,
    emailReplies: s.email_replies,
    emailMembership: s.email_membership,
    emailModeration: s.email_moderation,
    emailStaff: s.email_staff,
    showDetails: s.show_details,
  };
}

export function kindsOf(c: EmailChoices): NotificationKind[] {
  return (Object.keys(KINDS_OF_CHOICE) as (keyof typeof KINDS_OF_CHOICE)[])
    .filter((k) => c[k]).flatMap((k) => KINDS_OF_CHOICE[k]);
}

export function findEmailSettings(db: Db, accountId: number): Promise<EmailSettings | undefined> {
  return db.selectFrom("email_settings").selectAll().where("account_id", "=", accountId).executeTakeFirst();
}

/**
 * Saves a member's choices.  Turning email on starts afresh (nothing older
 * is emailed); a new frequency forgets failed attempts.
 */
export async function saveEmailSettings(db: Db, accountId: number, c: EmailChoices): Promise<EmailSettings> {
  const values = {
    frequency: c.frequency,
    email_replies: c.emailReplies,
    email_membership: c.emailMembership,
    email_moderation: c.emailModeration,
    email_staff: c.emailStaff,
    show_details: c.showDetails,
  };
  const frequencyChanged = sql<boolean>`email_settings.frequency <> excluded.frequency`;
  // Turning email on: nothing older than now is emailed.
  const turnedOn = sql<boolean>`email_settings.frequency = 'off' and excluded.frequency <> 'off'`;
  return await db.insertInto("email_settings")
    .values({ account_id: accountId, unsubscribe_token: randomBytes(32).toString("base64url"), ...values })
    .onConflict((oc) =>
      oc.column("account_id").doUpdateSet({
        ...values,
        since: sql`case when ${turnedOn} then now() else email_settings.since end`,
        attempts: sql`case when ${frequencyChanged} then 0 else email_settings.attempts end`,
        next_attempt_at: sql`case when ${frequencyChanged} then null else email_settings.next_attempt_at end`,
      })
    )
    .returningAll().executeTakeFirstOrThrow();
}

/** The one-click unsubscribe: email off for the owner of `token`; their id, or undefined. */
export async function unsubscribeByToken(db: Db, token: string): Promise<number | undefined> {
  const row = await db.updateTable("email_settings").set({ frequency: "off", since: sql`now()` })
    .where("unsubscribe_token", "=", token).returning("account_id").executeTakeFirst();
  return row?.account_id;
}

export async function findByUnsubscribeToken(db: Db, token: string): Promise<EmailSettings | undefined> {
  return await db.selectFrom("email_settings").selectAll().where("unsubscribe_token", "=", token).executeTakeFirst();
}

/** A member the job may email: settings, with the account's address. */
export interface EmailRecipient extends EmailSettings {
  email: string;
  username: string;
}

/**
 * Members with email on, a confirmed address, a live account, no retry pending
 * after `now`, and unread notifications not yet emailed; the job then
 * decides who is due (src/email-notifications.ts).
 */
export function listEmailCandidates(db: Db, now: Date, afterAccountId = 0, limit = 500): Promise<EmailRecipient[]> {
  return db.selectFrom("email_settings as s")
    .innerJoin("accounts as a", "a.id", "s.account_id")
    .selectAll("s")
    .select(["a.email", "a.username"])
    .where("s.frequency", "<>", "off")
    .where("a.email", "is not", null)
    // Only a confirmed address: a mistyped one never gets a stranger's notifications (migration 0034).
    .where("a.email_verified_at", "is not", null)
    .where("a.suspended_at", "is", null)
    .where("a.deleted_at", "is", null)
    .where((w) => w.or([w("s.next_attempt_at", "is", null), w("s.next_attempt_at", "<=", now)]))
    // Only members with something to send, of the kinds they chose (notifications_unemailed_idx).
    .where((w) =>
      w.exists(
        w.selectFrom("notifications as n").select("n.id")
          .whereRef("n.account_id", "=", "s.account_id")
          .where("n.emailed_at", "is", null).where("n.read_at", "is", null)
          .whereRef("n.created_at", ">=", "s.since")
          .where((k) =>
            k.or(CHOICE_COLUMNS.map(([column, kinds]) => k.and([k(`s.${column}`, "=", true), k("n.kind", "in", kinds)])))
          )
      )
    )
    .where("s.account_id", ">", afterAccountId)
    .orderBy("s.account_id").limit(limit)
    .execute() as Promise<EmailRecipient[]>;
}

/** How long a claim on a member lasts: far longer than one send may take (src/mail/smtp-client.ts#SEND_DEADLINE_MS). */
export const CLAIM_LEASE_SECONDS = 300;

/**
 * The end of a new lease (database clock), in whole milliseconds so that it
 * comes back from the driver as the same Date; always later than the lease
 * it replaces, so that each claim's token differs from the one before.
 */
function newLease(leaseSeconds: number) {
  return sql<Date>`greatest(date_trunc('milliseconds', now() + ${`${leaseSeconds} seconds`}::interval),
    lease_until + interval '1 millisecond')`;
}

/**
 * Claims a member for `leaseSeconds`; undefined when another worker holds
 * them.  One statement: of two workers, one wins.  The claim's token is the
 * end of its lease: every later write of the job's bookkeeping for this
 * member (recordSent, recordFailure, recordNothingToSend, releaseClaim)
 * takes effect only while `lease_until` still holds it, so a worker whose
 * lease ran out (and another worker claimed the member) changes nothing.
 */
export async function claimRecipient(db: Db, accountId: number, leaseSeconds = CLAIM_LEASE_SECONDS): Promise<Date | undefined> {
  const row = await db.updateTable("email_settings")
    .set({ lease_until: newLease(leaseSeconds) })
    .where("account_id", "=", accountId)
    .where((w) => w.or([w("lease_until", "is", null), w("lease_until", "<", sql<Date>`now()`)]))
    .returning("lease_until").executeTakeFirst();
  return row?.lease_until ?? undefined;
}

/** A fresh lease for the holder of `token` (before a send): the new token, or undefined when the claim was lost. */
export async function renewClaim(db: Db, accountId: number, token: Date, leaseSeconds = CLAIM_LEASE_SECONDS): Promise<Date | undefined> {
  const row = await db.updateTable("email_settings")
    .set({ lease_until: newLease(leaseSeconds) })
    .where("account_id", "=", accountId).where("lease_until", "=", token)
    .returning("lease_until").executeTakeFirst();
  return row?.lease_until ?? undefined;
}

/** The most notifications one email lists; more go in the next one. */
export const MAX_PER_EMAIL = 200;

/** Unread notifications of `kinds` not yet emailed, created between `from` and `until`, oldest first. */
export async function listUnemailed(db: Db, accountId: number, kinds: NotificationKind[], from: Date, until: Date, limit = MAX_PER_EMAIL) {
  if (kinds.length === 0) return [];
  return await db.selectFrom("notifications").select(["id", "kind", "created_at"])
    .where("account_id", "=", accountId)
    .where("emailed_at", "is", null).where("read_at", "is", null)
    .where("kind", "in", kinds)
    .where("created_at", ">=", from)
    .where("created_at", "<=", until)
    .orderBy("id").limit(limit).execute();
}

/**
 * After a sent email: its notifications are marked emailed (those read in
 * the meantime too: they were in the email), and, if `token` still holds
 * the claim, the member's bookkeeping is updated and the claim released.
 * The notifications are marked even when the claim was lost, since they
 * did go out: a worker that claimed the member since then and has not yet
 * listed them then leaves them out.  False when the claim was lost.
 */
export async function recordSent(
  db: Db,
  accountId: number,
  token: Date,
  notificationIds: number[],
  at: Date,
  periodDone = true,
): Promise<boolean> {
  return await db.transaction().execute(async (trx) => {
    if (notificationIds.length > 0) {
      await trx.updateTable("notifications").set({ emailed_at: at })
        .where("account_id", "=", accountId).where("id", "in", notificationIds).where("emailed_at", "is", null)
        .execute();
    }
    const row = await trx.updateTable("email_settings")
      // A digest cut short (more than one email's worth) leaves its period open: the rest go next run.
      .set({ last_sent_at: periodDone ? at : sql`last_sent_at`, attempts: 0, next_attempt_at: null, last_error: null, lease_until: null })
      .where("account_id", "=", accountId).where("lease_until", "=", token)
      .returning("account_id").executeTakeFirst();
    return row != null;
  });
}

/** A digest period passed with nothing to send: the period still counts as done.  False when the claim was lost. */
export async function recordNothingToSend(db: Db, accountId: number, token: Date, at: Date): Promise<boolean> {
  const row = await db.updateTable("email_settings").set({ last_sent_at: at, lease_until: null })
    .where("account_id", "=", accountId).where("lease_until", "=", token)
    .returning("account_id").executeTakeFirst();
  return row != null;
}

/** A failed send: tried again at `retryAt`; the notifications stay unsent.  False when the claim was lost. */
export async function recordFailure(db: Db, accountId: number, token: Date, retryAt: Date, error: string): Promise<boolean> {
  const row = await db.updateTable("email_settings")
    .set({ attempts: sql`attempts + 1`, next_attempt_at: retryAt, last_error: error.slice(0, 500), lease_until: null })
    .where("account_id", "=", accountId).where("lease_until", "=", token)
    .returning("account_id").executeTakeFirst();
  return row != null;
}

/** Gives the claim up, if `token` still holds it. */
export async function releaseClaim(db: Db, accountId: number, token: Date): Promise<void> {
  await db.updateTable("email_settings").set({ lease_until: null })
    .where("account_id", "=", accountId).where("lease_until", "=", token).execute();
}

/** What an email with details may name: the group (and whether it is public), and a post's opening words. */
export interface EmailDetail {
  id: number;
  group_name: string | null;
  group_visibility: "public" | "private" | "local" | null;
  /**
   * The post may be quoted (its thread's title, its opening words): it and
   * its thread are published (not held nor rejected), not removed by
   * moderators and not deleted.
   */
  post_quotable: boolean;
  post_source: string | null;
  post_html: string | null;
  post_summary: string | null;
  post_sensitive: boolean | null;
}

/** For `ids` (a member's notifications): the group concerned and the post's text. */
export function listEmailDetails(db: Db, ids: number[]): Promise<EmailDetail[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom("notifications as n")
    .leftJoin("posts as p", "p.id", "n.post_id")
    .leftJoin("posts as t", "t.id", "p.thread_id")
    .leftJoin("actors as g", (j) =>
      j.on((eb) =>
        eb.or([
          eb.and([eb("n.post_id", "is not", null), eb("g.id", "=", eb.ref("p.group_id"))]),
          eb.and([eb("n.post_id", "is", null), eb("g.id", "=", eb.ref("n.actor_id")), eb("g.type", "=", "Group")]),
        ])
      ))
    .select([
      "n.id", "g.name as group_name", "g.visibility as group_visibility",
      sql<boolean>`(p.id is not null and p.deleted_at is null and p.removed_at is null and p.review_state = 'published'
        and (t.id is null or (t.deleted_at is null and t.removed_at is null and t.review_state = 'published')))`
        .as("post_quotable"),
      "p.source as post_source", "p.content_html as post_html", "p.summary as post_summary", "p.sensitive as post_sensitive",
    ])
    .where("n.id", "in", ids)
    .execute() as Promise<EmailDetail[]>;
}
