/**
 * Opt-in outcome measures (issue 9, item 5).  A local group's managers start
 * a periodic questionnaire under the group's own consent text; members who
 * consent answer once per period and see their own trend; managers see only
 * ended periods' aggregates, with every figure from fewer than
 * SUPPRESSION_THRESHOLD answers suppressed (src/outcome-stats.ts); exports
 * carry the same aggregates, and pseudonymised answers only of members who
 * gave the research consent, and are recorded in the access log
 * (src/outcome-aggregates.ts).  Nothing here federates: questionnaires are
 * for members of this server.
 */
import type { Context } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { findActiveBan } from "../db/bans.ts";
import { isApprovedMember } from "../db/follows.ts";
import * as store from "../db/outcomes.ts";
import type { Account, Actor } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { banMessage } from "./ban-message.ts";
import { canReadGroupContent } from "./group-access.ts";
import { canModerate } from "./membership.ts";
import { ValidationError } from "./names.ts";
import { type Instrument, type Instruments, scoreAnswers } from "./outcome-instruments.ts";
import { periodAt, periodStart, SUPPRESSION_THRESHOLD } from "./outcome-stats.ts";
import { ForbiddenError } from "./posts.ts";

type Ctx = Context<ContextData>;
type Questionnaire = store.Questionnaire;

const logger = getLogger(["kindred", "outcomes"]);

/** The periods a manager may choose, in days. */
export const PERIOD_CHOICES = [7, 14, 28, 56, 91] as const;
export const MIN_CONSENT_TEXT = 100;
export const MAX_CONSENT_TEXT = 5000;

/** A starting point for the group's consent text; managers adapt it. */
export const CONSENT_TEMPLATE = `What we collect: your answers to the questionnaire each period, and your score.
Who sees what: only you see your answers and your scores. The group's managers see only figures about the whole group (number of answers, average, median, spread), and none at all for a period with fewer than ${SUPPRESSION_THRESHOLD} answers.
How long we keep it: until you delete your answers (at any time, on your questionnaire page) or your account, and at most until the group's managers delete the questionnaire once it is closed.
Research: only if you also tick the separate research box, your answers may be shared with researchers without your name, username or exact dates.
Taking part is voluntary and does not change anything else in the group. You can stop at any time.`;

export class NoQuestionnaireError extends Error {
  override name = "NoQuestionnaireError";
}

export function instrumentOf(instruments: Instruments, q: Questionnaire): Instrument {
  const instrument = instruments.get(q.instrument_id);
  // A file removed after a questionnaire started: stop, rather than score by a guess.
  if (!instrument) throw new Error(`instrument "${q.instrument_id}" of questionnaire ${q.id} is no longer installed`);
  return instrument;
}

/** The group's managers: its owner and moderators, and the instance's admins; local groups only. */
export async function canManageOutcomes(ctx: Ctx, account: Account, group: Actor): Promise<boolean> {
  return group.local && group.type === "Group" && await canModerate(ctx, account, group);
}

export async function requireManager(ctx: Ctx, account: Account, group: Actor): Promise<void> {
  if (!(await canManageOutcomes(ctx, account, group))) {
    throw new ForbiddenError("only this group's owner and moderators manage its questionnaire");
  }
}

/** The last period that has ended (-1: none yet); a closed questionnaire's every period has. */
export function lastEndedPeriod(q: Questionnaire, now = new Date()): number {
  return q.closed_at ? periodAt(q.starts_at, q.period_days, q.closed_at) : periodAt(q.starts_at, q.period_days, now) - 1;
}

export async function startQuestionnaire(
  ctx: Ctx,
  instruments: Instruments,
  account: Account,
  actor: Actor,
  group: Actor,
  input: Record<string, unknown>,
): Promise<Questionnaire> {
  await requireManager(ctx, account, group);
  const instrument = typeof input.instrument === "string" ? instruments.get(input.instrument) : undefined;
  if (!instrument) throw new ValidationError("instrument", "choose one of the questionnaires offered");
  const periodDays = Number(input.periodDays);
  if (!PERIOD_CHOICES.includes(periodDays as typeof PERIOD_CHOICES[number])) {
    throw new ValidationError("periodDays", `choose how often: every ${PERIOD_CHOICES.join(", ")} days`);
  }
  const consentText = typeof input.consentText === "string" ? input.consentText.replaceAll("\r\n", "\n").trim() : "";
  if (consentText.length < MIN_CONSENT_TEXT || consentText.length > MAX_CONSENT_TEXT) {
    throw new ValidationError(
      "consentText",
      `the consent text must say what is collected, who sees what and how long it is kept (${MIN_CONSENT_TEXT} to ${MAX_CONSENT_TEXT} characters)`,
    );
  }
  const research = input.researchExport;
  if (research !== undefined && typeof research !== "boolean" && research !== "yes") {
    throw new ValidationError("researchExport", "researchExport must be true or false");
  }
  if (await store.findCurrentQuestionnaire(ctx.data.db, group.id).then((q) => q && !q.closed_at)) {
    throw new ValidationError("instrument", "this group already runs a questionnaire: close it first");
  }
  let q: Questionnaire;
  try {
    q = await store.insertQuestionnaire(ctx.data.db, {
      groupActorId: group.id,
      instrumentId: instrument.id,
      instrumentVersion: instrument.version,
      periodDays,
      consentText,
      researchExport: research === true || research === "yes",
      startedBy: actor.id,
    });
  } catch (error) {
    // Two managers at once: the partial unique index keeps one open questionnaire.
    if (/outcome_questionnaires_open_idx|unique/i.test(String((error as Error).message))) {
      throw new ValidationError("instrument", "this group already runs a questionnaire: close it first");
    }
    throw error;
  }
  logger.info("Questionnaire {id} ({instrument}) started in group {group}", { id: q.id, instrument: instrument.id, group: group.id });
  return q;
}

export async function closeQuestionnaire(ctx: Ctx, account: Account, group: Actor): Promise<void> {
  await requireManager(ctx, account, group);
  if (!(await store.closeQuestionnaire(ctx.data.db, group.id))) throw new ValidationError("questionnaire", "this group runs no questionnaire");
  logger.info("Questionnaire of group {group} closed", { group: group.id });
}

/**
 * Deletes the group's closed questionnaire and everything of it (members'
 * consents and answers, the figures): the end of the retention the consent
 * text promised.  Needs `confirm`; an open questionnaire must be closed first.
 */
export async function deleteQuestionnaire(ctx: Ctx, account: Account, group: Actor, confirm: unknown): Promise<void> {
  await requireManager(ctx, account, group);
  if (confirm !== true && confirm !== "yes") {
    throw new ValidationError("confirm", "confirm that every member's answers to this questionnaire are to be deleted");
  }
  const q = await store.findCurrentQuestionnaire(ctx.data.db, group.id);
  if (!q) throw new NoQuestionnaireError("this group has no questionnaire");
  if (!q.closed_at) throw new ValidationError("questionnaire", "close the questionnaire before deleting it");
  await store.deleteClosedQuestionnaire(ctx.data.db, group.id);
  logger.info("Questionnaire {id} of group {group} deleted with its answers", { id: q.id, group: group.id });
}

/** A member's view of the group's questionnaire: theirs alone. */
export interface MemberOutcomes {
  questionnaire: Questionnaire;
  instrument: Instrument;
  consent: store.OutcomeConsent | undefined;
  /** May take part: a local member of the group, not banned. */
  eligible: boolean;
  /** Consented, open, and not answered in the current period. */
  due: boolean;
  period: number;
  /** When the next period starts (null once closed). */
  nextPeriodAt: Date | null;
  answers: store.OutcomeAnswer[];
}

async function eligibility(ctx: Ctx, actor: Actor, group: Actor): Promise<string | null> {
  if (!group.local) return "questionnaires are answered on the group's own server";
  if (!actor.local || actor.account_id == null) return "only members with an account on this server can take part";
  if (!(await isApprovedMember(ctx.data.db, actor.id, group.id))) return "join the group to take part in its questionnaire";
  const ban = await findActiveBan(ctx.data.db, group.id, actor.id);
  return ban ? banMessage(ban) : null;
}

/** The group's current questionnaire as `account` sees it, or undefined when it has none. */
export async function memberOutcomes(
  ctx: Ctx,
  instruments: Instruments,
  account: Account,
  actor: Actor,
  group: Actor,
): Promise<MemberOutcomes | undefined> {
  if (!group.local) return undefined;
  const q = await store.findCurrentQuestionnaire(ctx.data.db, group.id);
  if (!q) return undefined;
  const db = ctx.data.db;
  const consent = await store.findActiveConsent(db, q.id, account.id);
  const answers = await store.listOwnAnswers(db, q.id, account.id);
  // A member who left a private group still reaches their own consent and answers.
  if (!consent && answers.length === 0 && !(await canReadGroupContent(ctx, group, { account, actor }))) return undefined;
  const now = new Date();
  const period = periodAt(q.starts_at, q.period_days, now);
  const eligible = (await eligibility(ctx, actor, group)) == null;
  return {
    questionnaire: q,
    instrument: instrumentOf(instruments, q),
    consent,
    eligible,
    due: eligible && consent != null && !q.closed_at && !answers.some((a) => a.period === period),
    period,
    nextPeriodAt: q.closed_at ? null : periodStart(q.starts_at, q.period_days, period + 1),
    answers,
  };
}

async function openQuestionnaire(ctx: Ctx, group: Actor): Promise<Questionnaire> {
  const q = group.local ? await store.findCurrentQuestionnaire(ctx.data.db, group.id) : undefined;
  if (!q || q.closed_at) throw new NoQuestionnaireError("this group runs no questionnaire at the moment");
  return q;
}

function yes(value: unknown): boolean {
  return value === true || value === "yes" || value === "on";
}

/** Records the member's consent to the group's questionnaire (and, if offered and ticked, the research consent). */
export async function giveConsent(ctx: Ctx, account: Account, actor: Actor, group: Actor, input: Record<string, unknown>): Promise<void> {
  const q = await openQuestionnaire(ctx, group);
  const refusal = await eligibility(ctx, actor, group);
  if (refusal) throw new ForbiddenError(refusal);
  if (!yes(input.consent)) throw new ValidationError("consent", "tick the box to agree to the consent text, or leave this page");
  const research = yes(input.research);
  if (research && !q.research_export) throw new ValidationError("research", "this questionnaire has no research export");
  await store.insertConsent(ctx.data.db, { questionnaireId: q.id, accountId: account.id, consentText: q.consent_text, research });
}

/** Gives or takes back the research consent; once the questionnaire is closed, only takes it back. */
export async function changeResearchConsent(ctx: Ctx, account: Account, group: Actor, value: unknown): Promise<void> {
  const q = group.local ? await store.findCurrentQuestionnaire(ctx.data.db, group.id) : undefined;
  if (!q) throw new NoQuestionnaireError("this group has no questionnaire");
  if (typeof value !== "boolean" && value !== "yes" && value !== "no") throw new ValidationError("research", "research must be true or false");
  const research = value === true || value === "yes";
  if (research && !q.research_export) throw new ValidationError("research", "this questionnaire has no research export");
  if (research && q.closed_at) throw new ValidationError("research", "this questionnaire is closed");
  if (!(await store.setResearchConsent(ctx.data.db, q.id, account.id, research))) {
    throw new ForbiddenError("you have not agreed to take part in this questionnaire");
  }
}

/** Withdraws the member's consent; their answers are deleted too when they ask. */
export async function withdrawConsent(ctx: Ctx, account: Account, group: Actor, deleteAnswers: boolean) {
  const q = group.local ? await store.findCurrentQuestionnaire(ctx.data.db, group.id) : undefined;
  if (!q) throw new NoQuestionnaireError("this group has no questionnaire");
  return await store.withdrawConsent(ctx.data.db, q.id, account.id, deleteAnswers);
}

/** Deletes all of the member's answers to the group's current questionnaire. */
export async function deleteOwnAnswers(ctx: Ctx, account: Account, group: Actor): Promise<number> {
  const q = group.local ? await store.findCurrentQuestionnaire(ctx.data.db, group.id) : undefined;
  if (!q) throw new NoQuestionnaireError("this group has no questionnaire");
  return await store.deleteAnswersOf(ctx.data.db, q.id, account.id);
}

/** Stores the member's answer for the current period, once consent is in force. */
export async function answerQuestionnaire(
  ctx: Ctx,
  instruments: Instruments,
  account: Account,
  actor: Actor,
  group: Actor,
  input: unknown,
): Promise<store.OutcomeAnswer> {
  const q = await openQuestionnaire(ctx, group);
  const refusal = await eligibility(ctx, actor, group);
  if (refusal) throw new ForbiddenError(refusal);
  if (!(await store.findActiveConsent(ctx.data.db, q.id, account.id))) {
    throw new ForbiddenError("agree to the questionnaire's consent text before answering");
  }
  const { responses, score } = scoreAnswers(instrumentOf(instruments, q), input);
  const period = periodAt(q.starts_at, q.period_days, new Date());
  const saved = await store.insertAnswer(ctx.data.db, { questionnaireId: q.id, accountId: account.id, period, responses, score });
  // Closed, or the period ended and was scored, while this request was under way.
  if (saved === "closed") throw new NoQuestionnaireError("this group runs no questionnaire at the moment");
  if (saved === "scored") throw new ValidationError("period", "this period has just ended: answer again for the new one");
  if (saved === "answered") {
    const next = periodStart(q.starts_at, q.period_days, period + 1);
    throw new ValidationError("period", `you have already answered for this period; the next one starts on ${next.toUTCString().slice(0, 16)}`);
  }
  return saved;
}

/**
 * What the group page says about the questionnaire to a member: "due" only
 * to a member who consented and has not answered this period; "taking"
 * once answered; "offered" (one quiet link, never a reminder) to the
 * others.  Undefined when the group runs no open questionnaire.
 */
export async function groupPageOutcomes(ctx: Ctx, account: Account, actor: Actor, group: Actor): Promise<"due" | "taking" | "offered" | undefined> {
  if (!group.local) return undefined;
  const q = await store.findCurrentQuestionnaire(ctx.data.db, group.id);
  if (!q || q.closed_at) return undefined;
  if (!(await store.findActiveConsent(ctx.data.db, q.id, account.id)) || (await eligibility(ctx, actor, group)) != null) return "offered";
  const period = periodAt(q.starts_at, q.period_days, new Date());
  const answered = (await store.listOwnAnswers(ctx.data.db, q.id, account.id)).some((a) => a.period === period);
  return answered ? "taking" : "due";
}

/** The questionnaires the member takes or took part in (`/settings/outcomes`). */
export async function participation(ctx: Ctx, account: Account) {
  return (await store.listParticipation(ctx.data.db, account.id)).map((p) => ({
    questionnaireId: p.id,
    instrument: p.instrument_id,
    closed: p.closed_at != null,
    groupId: p.group_id,
    groupName: p.group_name ?? p.group_username,
    consented: Boolean(p.consented),
    answers: Number(p.answers),
  }));
}
