/**
 * The arithmetic of outcome measures, with the suppression rule in one
 * place: no figure is ever computed from fewer than SUPPRESSION_THRESHOLD
 * answers (docs/SECURITY.md, "Outcome measures").  Pure functions: the
 * services (src/outcomes.ts) store and show what these return.
 */
import type { Instrument } from "./outcome-instruments.ts";

/**
 * The fewest answers (or members) any shown figure may come from.  Not
 * configurable: a lower value would let a group's managers read individual
 * members' scores.
 */
export const SUPPRESSION_THRESHOLD = 10;

export const SUPPRESSED_TEXT = `fewer than ${SUPPRESSION_THRESHOLD} answers: not shown`;

const DAY_MS = 86_400_000;

/** The period (0, 1, …) that `at` falls in. */
export function periodAt(startsAt: Date, periodDays: number, at: Date): number {
  return Math.max(0, Math.floor((at.getTime() - startsAt.getTime()) / (periodDays * DAY_MS)));
}

export function periodStart(startsAt: Date, periodDays: number, period: number): Date {
  return new Date(startsAt.getTime() + period * periodDays * DAY_MS);
}

/** A score band: `from` inclusive, `to` exclusive (the last includes the maximum). */
export interface Band {
  from: number;
  to: number;
  label: string;
}

const trim = (n: number) => String(Math.round(n * 100) / 100);

/** Four bands of equal width over the instrument's score range: a coarse distribution. */
export function bandsOf(instrument: Instrument): Band[] {
  const { min, max } = instrument.scoring;
  const width = (max - min) / 4;
  return [0, 1, 2, 3].map((i) => {
    const from = min + i * width, to = min + (i + 1) * width;
    return { from, to, label: i === 3 ? `${trim(from)} to ${trim(to)}` : `${trim(from)} to under ${trim(to)}` };
  });
}

function bandIndex(instrument: Instrument, score: number): number {
  const { min, max } = instrument.scoring;
  return Math.min(3, Math.max(0, Math.floor((score - min) / ((max - min) / 4))));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One answer a period's figures count, and whether one of the group's managers gave it. */
export interface CountedScore {
  score: number;
  staff: boolean;
}

/** A period's figures as stored: null wherever suppressed. */
export interface PeriodFigures {
  answers: number;
  /** How many of `answers` the group's managers gave: they do not count towards the threshold. */
  staffAnswers: number;
  mean: number | null;
  median: number | null;
  /** Members per band; null for a band with fewer than the threshold (and one more, see below). */
  bands: (number | null)[] | null;
}

/**
 * The figures of one period from its answers.  The threshold counts only
 * answers of members who are not the group's managers: a manager knows
 * their own answer (and perhaps a fellow manager's), and must still face
 * SUPPRESSION_THRESHOLD answers they do not know.  Managers' answers are in
 * the figures all the same (a moderator is often a patient too).  Under the
 * threshold, nothing but the (internal) counts: the page and exports say
 * "fewer than 10".  At or over it: mean and median to one decimal, and the
 * members per band, where a band holding fewer than the threshold of
 * non-managers is suppressed; if that leaves exactly one band suppressed,
 * the smallest other band is suppressed too, or the total minus the shown
 * bands would give it away.
 */
export function summarise(instrument: Instrument, answers: CountedScore[]): PeriodFigures {
  const staffAnswers = answers.filter((a) => a.staff).length;
  const base = { answers: answers.length, staffAnswers };
  if (!shown(base)) return { ...base, mean: null, median: null, bands: null };
  const counts = [0, 0, 0, 0];
  const members = [0, 0, 0, 0];
  for (const a of answers) {
    const band = bandIndex(instrument, a.score);
    counts[band]++;
    if (!a.staff) members[band]++;
  }
  const hidden = new Set(members.flatMap((n, i) => (n < SUPPRESSION_THRESHOLD ? [i] : [])));
  if (hidden.size === 1) {
    const rest = counts.map((n, i) => [n, i] as const).filter(([, i]) => !hidden.has(i)).sort((x, y) => x[0] - y[0]);
    if (rest.length > 0) hidden.add(rest[0][1]);
  }
  const scores = answers.map((a) => a.score);
  const round1 = (n: number) => Math.round(n * 10) / 10;
  return {
    ...base,
    mean: round1(scores.reduce((x, y) => x + y, 0) / scores.length),
    median: round1(median(scores)),
    bands: counts.map((n, i) => (hidden.has(i) ? null : n)),
  };
}

/** Answers of one period, all of them and those not given by the group's managers. */
export interface PeriodCount {
  all: number;
  members: number;
}

/**
 * The periods whose research answers may be exported, from the research
 * answers among those the period's frozen figures counted (`research`) and
 * what the figures counted (`counted`): at least the threshold of research
 * answers from members who are not managers, and a remainder (answers the
 * figures counted that are not in the export, managers' aside, since every
 * manager may know them) of none or at least the threshold.  A remainder of
 * 1 to 9 would be worked out exactly from the period's figures minus the
 * exported rows: the score of a member who never agreed to research.
 */
export function exportablePeriods(research: ReadonlyMap<number, PeriodCount>, counted: ReadonlyMap<number, PeriodCount>): Set<number> {
  const ok = new Set<number>();
  for (const [period, n] of research) {
    const rest = (counted.get(period)?.members ?? 0) - n.members;
    if (n.members >= SUPPRESSION_THRESHOLD && (rest === 0 || rest >= SUPPRESSION_THRESHOLD)) ok.add(period);
  }
  return ok;
}

/** Whether a period's figures may be shown at all: the threshold of answers from members who are not managers. */
export function shown(figures: { answers: number; staffAnswers: number }): boolean {
  return figures.answers - figures.staffAnswers >= SUPPRESSION_THRESHOLD;
}

/** One CSV line (RFC 4180 quoting); a cell starting with = + - @ is prefixed with ' against formula injection. */
export function csvLine(cells: (string | number | null)[]): string {
  return cells.map((cell) => {
    if (cell == null) return "";
    let s = String(cell);
    if (typeof cell === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  }).join(",") + "\r\n";
}
