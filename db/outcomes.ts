/**
 * Outcome measures (migration 0028): a group's questionnaires, members'
 * consents and answers, and ended periods' aggregate figures.  A member's
 * answers are read here only for that member (their trend, export and
 * erasure), for scoring a period into its summary, and for the research
 * export of members who gave the research consent.
 */
import { type Kysely, type RawBuilder, type Selectable, sql, type Transaction } from "kysely";
import { jsonb } from "./json.ts";
import type {
  OutcomeAnswersTable,
  OutcomeConsentsTable,
  OutcomePeriodSummariesTable,
  OutcomeQuestionnairesTable,
  Schema,
} from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

export type Questionnaire = Selectable<OutcomeQuestionnairesTable>;
export type OutcomeConsent = Selectable<OutcomeConsentsTable>;
export type OutcomeAnswer = Selectable<OutcomeAnswersTable>;
export type PeriodSummary = Selectable<OutcomePeriodSummariesTable>;

export async function insertQuestionnaire(
  db: Db,
  q: { groupActorId: number; instrumentId: string; instrumentVersion: string; periodDays: number; consentText: string; researchExport: boolean; startedBy: number },
): Promise<Questionnaire> {
  return await db.insertInto("outcome_questionnaires").values({
    group_actor_id: q.groupActorId,
    instrument_id: q.instrumentId,
    instrument_version: q.instrumentVersion,
    period_days: q.periodDays,
    consent_text: q.consentText,
    research_export: q.researchExport,
    started_by: q.startedBy,
    closed_at: null,
  }).returningAll().executeTakeFirstOrThrow();
}

/** The group's open questionnaire, or else its most recent one. */
export async function findCurrentQuestionnaire(db: Db, groupActorId: number): Promise<Questionnaire | undefined> {
  return await db.selectFrom("outcome_questionnaires").selectAll()
    .where("group_actor_id", "=", groupActorId)
    .orderBy((eb) => eb("closed_at", "is", null), "desc").orderBy("id", "desc")
    .limit(1).executeTakeFirst();
}

/** Closes the group's open questionnaire; false when there was none. */
export async function closeQuestionnaire(db: Db, groupActorId: number): Promise<boolean> {
  const result = await db.updateTable("outcome_questionnaires").set({ closed_at: new Date() })
    .where("group_actor_id", "=", groupActorId).where("closed_at", "is", null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Deletes the group's latest questionnaire if it is closed, with its consents, answers and figures (cascade). */
export async function deleteClosedQuestionnaire(db: Db, groupActorId: number): Promise<number | undefined> {
  const q = await findCurrentQuestionnaire(db, groupActorId);
  if (!q?.closed_at) return undefined;
  await db.deleteFrom("outcome_questionnaires").where("id", "=", q.id).where("closed_at", "is not", null).execute();
  return q.id;
}

export async function findActiveConsent(db: Db, questionnaireId: number, accountId: number): Promise<OutcomeConsent | undefined> {
  return await db.selectFrom("outcome_consents").selectAll()
    .where("questionnaire_id", "=", questionnaireId).where("account_id", "=", accountId)
    .where("withdrawn_at", "is", null).executeTakeFirst();
}

/** Records a consent unless one is in force (the partial unique index keeps one per member). */
export async function insertConsent(
  db: Db,
  c: { questionnaireId: number; accountId: number; consentText: string; research: boolean },
): Promise<void> {
  await db.insertInto("outcome_consents").values({
    questionnaire_id: c.questionnaireId,
    account_id: c.accountId,
    consent_text: c.consentText,
    research: c.research,
    research_changed_at: c.research ? new Date() : null,
    withdrawn_at: null,
  }).onConflict((oc) => oc.columns(["questionnaire_id", "account_id"]).where("withdrawn_at", "is", null).doNothing()).execute();
}

export async function setResearchConsent(db: Db, questionnaireId: number, accountId: number, research: boolean): Promise<boolean> {
  const result = await db.updateTable("outcome_consents").set({ research, research_changed_at: new Date() })
    .where("questionnaire_id", "=", questionnaireId).where("account_id", "=", accountId)
    .where("withdrawn_at", "is", null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Withdraws the member's consent (and, with `deleteAnswers`, deletes their answers) in one transaction. */
export async function withdrawConsent(db: Kysely<Schema>, questionnaireId: number, accountId: number, deleteAnswers: boolean) {
  return await db.transaction().execute(async (trx) => {
    const withdrawn = await trx.updateTable("outcome_consents").set({ withdrawn_at: new Date(), research: false })
      .where("questionnaire_id", "=", questionnaireId).where("account_id", "=", accountId)
      .where("withdrawn_at", "is", null).executeTakeFirst();
    const deleted = deleteAnswers ? await deleteAnswersOf(trx, questionnaireId, accountId) : 0;
    return { withdrawn: Number(withdrawn.numUpdatedRows) > 0, deleted };
  });
}

export async function deleteAnswersOf(db: Db, questionnaireId: number, accountId: number): Promise<number> {
  const result = await db.deleteFrom("outcome_answers")
    .where("questionnaire_id", "=", questionnaireId).where("account_id", "=", accountId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Why an answer was not stored: already answered in that period; the questionnaire closed; the period scored. */
export type AnswerRefusal = "answered" | "closed" | "scored";

/**
 * Stores an answer, unless the member already answered in that period, or
 * the questionnaire is closed, or the period's figures are already frozen.
 * The questionnaire row is locked (shared) while checking and inserting:
 * closing it and scoring a period lock it exclusively, so an answer from a
 * request that read the questionnaire before either lands before them (and
 * is counted) or is refused; it never joins a scored period.
 */
export async function insertAnswer(
  db: Kysely<Schema>,
  a: { questionnaireId: number; accountId: number; period: number; responses: (number | null)[]; score: number },
): Promise<OutcomeAnswer | AnswerRefusal> {
  return await db.transaction().execute(async (trx) => {
    const q = await trx.selectFrom("outcome_questionnaires").select("closed_at")
      .where("id", "=", a.questionnaireId).forShare().executeTakeFirst();
    if (!q || q.closed_at) return "closed";
    const scored = await trx.selectFrom("outcome_period_summaries").select("period")
      .where("questionnaire_id", "=", a.questionnaireId).where("period", "=", a.period).executeTakeFirst();
    if (scored) return "scored";
    const saved = await trx.insertInto("outcome_answers").values({
      questionnaire_id: a.questionnaireId,
      account_id: a.accountId,
      period: a.period,
      responses: jsonb(a.responses),
      score: a.score,
    }).onConflict((oc) => oc.columns(["questionnaire_id", "account_id", "period"]).doNothing())
      .returningAll().executeTakeFirst();
    return saved ?? "answered";
  });
}

/** The member's own answers, oldest first. */
export async function listOwnAnswers(db: Db, questionnaireId: number, accountId: number): Promise<OutcomeAnswer[]> {
  return await db.selectFrom("outcome_answers").selectAll()
    .where("questionnaire_id", "=", questionnaireId).where("account_id", "=", accountId)
    .orderBy("period").execute();
}

export async function listSummaries(db: Db, questionnaireId: number): Promise<PeriodSummary[]> {
  return await db.selectFrom("outcome_period_summaries").selectAll()
    .where("questionnaire_id", "=", questionnaireId).orderBy("period").execute();
}

/**
 * Whether the account is one of the group's managers, who see its figures:
 * an instance admin, or the group's owner or a moderator (mentors are not).
 */
function isManager(groupActorId: number, accountId: string): RawBuilder<boolean> {
  const account = sql.ref(accountId);
  return sql<boolean>`(exists (select 1 from accounts ma where ma.id = ${account} and ma.role = 'admin')
    or exists (select 1 from group_staff ms inner join actors mp on mp.id = ms.actor_id
      where ms.group_actor_id = ${groupActorId} and mp.account_id = ${account} and ms.role in ('owner', 'moderator')))`;
}

/** A counted answer: its score, and whether a manager of the group gave it. */
export interface CountedAnswer {
  score: number;
  staff: boolean;
}

/**
 * Freezes every ended period not yet scored, in one transaction holding the
 * questionnaire's row lock (see insertAnswer): for each, marks the answers
 * that count (`counted`: members whose consent is in force; a withdrawn
 * member's kept answers are theirs alone; `counted_staff`: given by one of
 * the group's managers) and stores the figures `figures` makes of exactly
 * those, so the summary and the marked set are the same answers.
 * `lastEnded` is asked of the questionnaire as read under the lock.
 */
export async function freezeEndedPeriods(
  db: Kysely<Schema>,
  questionnaireId: number,
  lastEnded: (q: Questionnaire) => number,
  figures: (answers: CountedAnswer[]) => { mean: number | null; median: number | null; bands: (number | null)[] | null },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const q = await trx.selectFrom("outcome_questionnaires").selectAll()
      .where("id", "=", questionnaireId).forUpdate().executeTakeFirst();
    if (!q) return;
    const known = new Set((await listSummaries(trx, q.id)).map((s) => s.period));
    for (let period = 0; period <= lastEnded(q); period++) {
      if (known.has(period)) continue;
      const counted = await trx.updateTable("outcome_answers as a")
        .from("outcome_consents as c")
        .set({ counted: true, counted_staff: isManager(q.group_actor_id, "a.account_id") })
        .whereRef("c.questionnaire_id", "=", "a.questionnaire_id").whereRef("c.account_id", "=", "a.account_id")
        .where("c.withdrawn_at", "is", null)
        .where("a.questionnaire_id", "=", q.id).where("a.period", "=", period)
        .returning(["a.score", "a.counted_staff"]).execute();
      const answers = counted.map((r) => ({ score: r.score, staff: r.counted_staff }));
      const f = figures(answers);
      await trx.insertInto("outcome_period_summaries").values({
        questionnaire_id: q.id,
        period,
        answers: answers.length,
        staff_answers: answers.filter((x) => x.staff).length,
        mean: f.mean,
        median: f.median,
        bands: f.bands == null ? null : jsonb(f.bands),
      }).execute();
    }
  });
}

/**
 * Answers of ended periods (below `beforePeriod`) that their period's frozen
 * figures counted, by members whose consent is in force with the research
 * consent: account ids are for pseudonymising in memory and never leave
 * src/outcome-aggregates.ts.  Only counted answers: an answer kept through a
 * withdrawal before its period was scored is in no figure, and exporting it
 * would upset the remainder rule.
 */
export async function researchAnswers(db: Db, questionnaireId: number, beforePeriod: number) {
  return await db.selectFrom("outcome_answers as a")
    .innerJoin("outcome_consents as c", (j) =>
      j.onRef("c.questionnaire_id", "=", "a.questionnaire_id").onRef("c.account_id", "=", "a.account_id")
        .on("c.withdrawn_at", "is", null).on("c.research", "=", true))
    .select(["a.account_id", "a.period", "a.responses", "a.score", "a.counted_staff"])
    .where("a.questionnaire_id", "=", questionnaireId).where("a.period", "<", beforePeriod)
    .where("a.counted", "=", true)
    .orderBy("a.period").orderBy("a.id").execute();
}

/**
 * How many members' consents are in force (and with the research consent),
 * and how many of those are not the group's managers'.
 */
export async function consentCounts(db: Db, questionnaireId: number, groupActorId: number) {
  const row = await db.selectFrom("outcome_consents as c")
    .select((eb) => {
      const member = eb.not(isManager(groupActorId, "c.account_id"));
      return [
        eb.fn.countAll<number>().as("consented"),
        eb.fn.count<number>("c.id").filterWhere("c.research", "=", true).as("research"),
        eb.fn.count<number>("c.id").filterWhere(member).as("members"),
        eb.fn.count<number>("c.id").filterWhere((e) => e.and([e("c.research", "=", true), member])).as("research_members"),
      ];
    })
    .where("c.questionnaire_id", "=", questionnaireId).where("c.withdrawn_at", "is", null).executeTakeFirstOrThrow();
  return {
    consented: Number(row.consented),
    research: Number(row.research),
    consentedMembers: Number(row.members),
    researchMembers: Number(row.research_members),
  };
}

/** The questionnaires the member consented to or answered, newest first, with their group. */
export async function listParticipation(db: Db, accountId: number) {
  return await db.selectFrom("outcome_questionnaires as q")
    .innerJoin("actors as g", "g.id", "q.group_actor_id")
    .select((eb) => [
      "q.id", "q.instrument_id", "q.closed_at", "g.id as group_id", "g.name as group_name", "g.username as group_username",
      eb.exists(
        eb.selectFrom("outcome_consents as c").select("c.id")
          .whereRef("c.questionnaire_id", "=", "q.id").where("c.account_id", "=", accountId).where("c.withdrawn_at", "is", null),
      ).as("consented"),
      eb.selectFrom("outcome_answers as a").select((e) => e.fn.countAll<number>().as("n"))
        .whereRef("a.questionnaire_id", "=", "q.id").where("a.account_id", "=", accountId).as("answers"),
    ])
    .where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom("outcome_consents as c").select("c.id").whereRef("c.questionnaire_id", "=", "q.id").where("c.account_id", "=", accountId)),
        eb.exists(eb.selectFrom("outcome_answers as a").select("a.id").whereRef("a.questionnaire_id", "=", "q.id").where("a.account_id", "=", accountId)),
      ])
    )
    .orderBy("q.id", "desc").execute();
}

/** Everything of one member's outcome measures, for their data export. */
export async function collectOutcomeData(db: Db, accountId: number) {
  const consents = await db.selectFrom("outcome_consents as c")
    .innerJoin("outcome_questionnaires as q", "q.id", "c.questionnaire_id")
    .innerJoin("actors as g", "g.id", "q.group_actor_id")
    .select(["g.uri as group", "q.instrument_id as instrument", "c.consent_text", "c.given_at", "c.research", "c.research_changed_at", "c.withdrawn_at"])
    .where("c.account_id", "=", accountId).orderBy("c.id").execute();
  const answers = await db.selectFrom("outcome_answers as a")
    .innerJoin("outcome_questionnaires as q", "q.id", "a.questionnaire_id")
    .innerJoin("actors as g", "g.id", "q.group_actor_id")
    .select(["g.uri as group", "q.instrument_id as instrument", "q.instrument_version", "a.period", "a.responses", "a.score", "a.answered_at"])
    .where("a.account_id", "=", accountId).orderBy("a.id").execute();
  return { consents, answers };
}

/** Deletes every consent and answer of the account (account erasure). */
export async function eraseOutcomeData(trx: Transaction<Schema>, accountId: number): Promise<void> {
  await trx.deleteFrom("outcome_answers").where("account_id", "=", accountId).execute();
  await trx.deleteFrom("outcome_consents").where("account_id", "=", accountId).execute();
}
