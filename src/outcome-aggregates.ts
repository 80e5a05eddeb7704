/**
 * What a group's managers see of its questionnaire (issue 9, item 5): each
 * ended period's figures, computed once when first read after the period
 * ended, with the suppression rule of src/outcome-stats.ts; and the exports
 * (aggregates; pseudonymised answers of research-consenting members), each
 * recorded in the access log.  No member's answer leaves here with a name.
 */
import type { Context } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import * as store from "../db/outcomes.ts";
import type { Account, Actor } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { logRoleAccess } from "./access-log.ts";
import { ValidationError } from "./names.ts";
import type { Instrument, Instruments } from "./outcome-instruments.ts";
import {
  type Band,
  bandsOf,
  csvLine,
  exportablePeriods,
  periodAt,
  type PeriodCount,
  periodStart,
  SUPPRESSED_TEXT,
  shown as figuresShown,
  SUPPRESSION_THRESHOLD,
  summarise,
} from "./outcome-stats.ts";
import { instrumentOf, lastEndedPeriod, NoQuestionnaireError, requireManager } from "./outcomes.ts";

type Ctx = Context<ContextData>;
type Questionnaire = store.Questionnaire;

const logger = getLogger(["kindred", "outcomes"]);

/** An ended period's figures as managers see them. */
export interface PeriodView {
  period: number;
  from: Date;
  to: Date;
  shown: boolean;
  /** null when suppressed (fewer than the threshold). */
  answers: number | null;
  mean: number | null;
  median: number | null;
  bands: { label: string; members: number | null }[] | null;
}

export interface OutcomeAggregates {
  questionnaire: Questionnaire;
  instrument: Instrument;
  bands: Band[];
  periods: PeriodView[];
  /** Members whose consent is in force; null under the threshold. */
  consented: number | null;
  research: number | null;
  currentPeriod: { period: number; endsAt: Date } | null;
}

/**
 * Freezes every ended period not yet summarised (the answers it counts are
 * marked in the same transaction: db/outcomes.ts, freezeEndedPeriods), then
 * lists the summaries.
 */
async function summaries(db: ContextData["db"], instrument: Instrument, q: Questionnaire): Promise<store.PeriodSummary[]> {
  const known = await store.listSummaries(db, q.id);
  if (known.length > lastEndedPeriod(q)) return known;
  await store.freezeEndedPeriods(db, q.id, (fresh) => lastEndedPeriod(fresh), (answers) => summarise(instrument, answers));
  return await store.listSummaries(db, q.id);
}

function periodView(q: Questionnaire, bands: Band[], s: store.PeriodSummary): PeriodView {
  const shown = figuresShown({ answers: s.answers, staffAnswers: s.staff_answers }) && s.mean != null;
  return {
    period: s.period,
    from: periodStart(q.starts_at, q.period_days, s.period),
    to: periodStart(q.starts_at, q.period_days, s.period + 1),
    shown,
    answers: shown ? s.answers : null,
    mean: shown ? s.mean : null,
    median: shown ? s.median : null,
    bands: shown && s.bands ? bands.map((b, i) => ({ label: b.label, members: s.bands![i] ?? null })) : null,
  };
}

/** A count of members, shown when at least the threshold of them are not the group's managers. */
const atLeastThreshold = (n: number, members: number) => (members >= SUPPRESSION_THRESHOLD ? n : null);

/**
 * The group's aggregates for its managers: ended periods only (an open
 * period's figures would change with each answer, and the change would be
 * that one member's score), each computed once.
 */
export async function outcomeAggregates(ctx: Ctx, instruments: Instruments, account: Account, group: Actor): Promise<OutcomeAggregates | undefined> {
  await requireManager(ctx, account, group);
  const q = await store.findCurrentQuestionnaire(ctx.data.db, group.id);
  if (!q) return undefined;
  const instrument = instrumentOf(instruments, q);
  const bands = bandsOf(instrument);
  const counts = await store.consentCounts(ctx.data.db, q.id, group.id);
  const current = periodAt(q.starts_at, q.period_days, new Date());
  return {
    questionnaire: q,
    instrument,
    bands,
    periods: (await summaries(ctx.data.db, instrument, q)).map((s) => periodView(q, bands, s)),
    consented: atLeastThreshold(counts.consented, counts.consentedMembers),
    research: q.research_export ? atLeastThreshold(counts.research, counts.researchMembers) : null,
    currentPeriod: q.closed_at ? null : { period: current, endsAt: periodStart(q.starts_at, q.period_days, current + 1) },
  };
}

export interface ExportFile {
  filename: string;
  contentType: string;
  body: string;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

function exportFormat(format: string | undefined): "csv" | "json" {
  if (format === undefined || format === "csv" || format === "json") return format ?? "csv";
  throw new ValidationError("format", 'format must be "csv" or "json"');
}

/** The aggregates as CSV or JSON, with the same suppression; recorded in the access log. */
export async function exportAggregates(
  ctx: Ctx,
  instruments: Instruments,
  account: Account,
  group: Actor,
  format: string | undefined,
  route: string,
): Promise<ExportFile> {
  const kind = exportFormat(format);
  const agg = await outcomeAggregates(ctx, instruments, account, group);
  if (!agg) throw new NoQuestionnaireError("this group has no questionnaire");
  await logRoleAccess(ctx, account, group, { subject: "outcome_aggregates", subjectId: agg.questionnaire.id, route });
  const { instrument, questionnaire: q } = agg;
  const name = `outcomes-${group.username}-${instrument.id}-${q.id}-aggregates.${kind}`;
  if (kind === "json") {
    return {
      filename: name,
      contentType: "application/json; charset=utf-8",
      body: JSON.stringify({
        ...instrumentJson(instrument),
        questionnaire: questionnaireJson(q),
        suppressionThreshold: SUPPRESSION_THRESHOLD,
        periods: agg.periods.map(periodJson),
      }, null, 2),
    };
  }
  let body = csvLine(["period", "from", "to", "answers", "mean", "median", ...agg.bands.map((b) => `members ${b.label}`), "note"]);
  for (const p of agg.periods) {
    body += csvLine([
      p.period + 1, day(p.from), day(p.to), p.answers, p.mean, p.median,
      ...agg.bands.map((_, i) => p.bands?.[i].members ?? null),
      p.shown ? (p.bands?.some((b) => b.members == null) ? `bands under ${SUPPRESSION_THRESHOLD} members not shown` : "") : SUPPRESSED_TEXT,
    ]);
  }
  return { filename: name, contentType: "text/csv; charset=utf-8", body };
}

/**
 * Pseudonymised answers of ended periods, only those the period's frozen
 * figures counted, only of members whose research consent is in force, and
 * only of periods in which at least SUPPRESSION_THRESHOLD such members (not
 * the group's managers) answered and the rest of the period's counted
 * answers are none or at least as many (exportablePeriods): random ids new
 * in every export, no names, dates coarsened to the period.  Recorded in the
 * access log.
 */
export async function exportResearchAnswers(
  ctx: Ctx,
  instruments: Instruments,
  account: Account,
  group: Actor,
  format: string | undefined,
  route: string,
): Promise<ExportFile> {
  await requireManager(ctx, account, group);
  const kind = exportFormat(format);
  const q = await store.findCurrentQuestionnaire(ctx.data.db, group.id);
  if (!q) throw new NoQuestionnaireError("this group has no questionnaire");
  if (!q.research_export) throw new ValidationError("research", "this questionnaire was started without a research export: members were never asked");
  const instrument = instrumentOf(instruments, q);
  // Freeze first: the research rows are taken from what the frozen figures counted.
  const frozen = await summaries(ctx.data.db, instrument, q);
  const all = await store.researchAnswers(ctx.data.db, q.id, lastEndedPeriod(q) + 1);
  const research = new Map<number, PeriodCount>();
  for (const r of all) {
    const n = research.get(r.period) ?? { all: 0, members: 0 };
    research.set(r.period, { all: n.all + 1, members: n.members + (r.counted_staff ? 0 : 1) });
  }
  // What the managers' figures counted in each period, to check what the export would leave over.
  const counted = new Map(frozen.map((s) => [s.period, { all: s.answers, members: s.answers - s.staff_answers }]));
  const periods = exportablePeriods(research, counted);
  const rows = all.filter((r) => periods.has(r.period));
  const members = new Set(rows.map((r) => r.account_id));
  if (rows.length === 0) {
    throw new ValidationError(
      "research",
      `no ended period can be exported: each needs answers from at least ${SUPPRESSION_THRESHOLD} members who gave the research consent ` +
        `(the group's managers aside), and none or at least ${SUPPRESSION_THRESHOLD} from members who did not ` +
        `(fewer could be worked out from the group's figures)`,
    );
  }
  // New random ids for every export: two exports cannot be joined on them.
  const pseudonyms = new Map([...members].map((id) => [id, crypto.randomUUID().slice(0, 13)]));
  const records = rows
    .map((r) => ({
      participant: pseudonyms.get(r.account_id)!,
      period: r.period + 1,
      periodStart: day(periodStart(q.starts_at, q.period_days, r.period)),
      score: r.score,
      responses: r.responses,
    }))
    .sort((a, b) => a.participant.localeCompare(b.participant) || a.period - b.period);
  await logRoleAccess(ctx, account, group, { subject: "outcome_answers", subjectId: q.id, route });
  logger.info("Research export of questionnaire {id}: {n} answers of {members} members", { id: q.id, n: records.length, members: members.size });
  const name = `outcomes-${group.username}-${instrument.id}-${q.id}-research.${kind}`;
  if (kind === "json") {
    return {
      filename: name,
      contentType: "application/json; charset=utf-8",
      body: JSON.stringify({
        ...instrumentJson(instrument),
        questionnaire: questionnaireJson(q),
        items: instrument.items.map((i) => i.id),
        answers: records,
      }, null, 2),
    };
  }
  let body = csvLine(["participant", "period", "period_start", "score", ...instrument.items.map((i) => i.id)]);
  for (const r of records) body += csvLine([r.participant, r.period, r.periodStart, r.score, ...r.responses]);
  return { filename: name, contentType: "text/csv; charset=utf-8", body };
}

export function instrumentJson(i: Instrument) {
  return {
    instrument: {
      id: i.id,
      version: i.version,
      title: i.title,
      description: i.description,
      instructions: i.instructions,
      attribution: i.attribution,
      licence: i.licence,
      scale: i.scale,
      items: i.items,
      scoring: i.scoring,
    },
  };
}

export function questionnaireJson(q: Questionnaire) {
  return {
    id: q.id,
    instrument: q.instrument_id,
    instrumentVersion: q.instrument_version,
    periodDays: q.period_days,
    consentText: q.consent_text,
    researchExport: q.research_export,
    startsAt: q.starts_at.toISOString(),
    closedAt: q.closed_at?.toISOString() ?? null,
  };
}

export function periodJson(p: PeriodView) {
  return {
    period: p.period + 1,
    from: p.from.toISOString(),
    to: p.to.toISOString(),
    suppressed: !p.shown,
    note: p.shown ? null : SUPPRESSED_TEXT,
    answers: p.answers,
    mean: p.mean,
    median: p.median,
    bands: p.bands,
  };
}
