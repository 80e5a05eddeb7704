/**
 * The oversharing guard (issue #6): finds personal details in a post before
 * it is published, so its author can see them highlighted and edit or
 * confirm.  Kinds: phone numbers, email addresses, street addresses, dates of
 * birth, hospital and patient numbers, national identifiers, and full names
 * of other people.  The per-locale data is in oversharing-rules.ts.
 *
 * Precision matters as much as recall: patients post doses ("5 mg twice a
 * day"), treatment dates, lab values and trial ids all the time, and a guard
 * that cries wolf is switched off by habit.  So numbers that merely look like
 * identifiers must pass their checksum (NHS number, French NIR, German
 * Steuer-ID), dates count only when said to be a birth date, names only after
 * a title or a relation word, and URLs, trial ids and fediverse handles are
 * masked before anything is read.  Pure: no I/O, no logging.
 */
import { LOCALE_RULES, type LocaleRules, NOT_NAMES } from "./oversharing-rules.ts";

export type PersonalDetailKind =
  | "phone"
  | "email"
  | "address"
  | "birth-date"
  | "health-id"
  | "national-id"
  | "name";

/** One personal detail: where it is in the text (UTF-16 offsets) and what it is. */
export interface PersonalDetail {
  kind: PersonalDetailKind;
  start: number;
  end: number;
  text: string;
}

/** How each kind is named to the author. */
export const PERSONAL_DETAIL_LABELS: Readonly<Record<PersonalDetailKind, string>> = {
  phone: "Phone number",
  email: "Email address",
  address: "Street address",
  "birth-date": "Date of birth",
  "health-id": "Hospital or patient number",
  "national-id": "National identity number",
  name: "Full name of another person",
};

export interface DetectOptions {
  /** The author's own names (screen name, display name): never reported as someone else's name. */
  ownNames?: string[];
}

interface Rule {
  kind: PersonalDetailKind;
  pattern: RegExp;
  /** Further check of a match (checksum, digit count, names); the span to report, or null. */
  accept?: (match: RegExpExecArray) => { start: number; end: number } | null;
}

// Masked before detection: addresses on the web, fediverse handles, trial ids.
const MASKS = [
  /\b(?:https?:\/\/|www\.)[^\s<>"')\]]+/giu,
  /(?<![\p{L}\p{N}])@[\p{L}\p{N}_.-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}/gu,
  /\b(?:NCT\d{8}|ISRCTN\d{8}|EudraCT\s?\d{4}-\d{6}-\d{2}|\d{4}-\d{6}-\d{2})\b/giu,
];

const EMAIL = /(?<![\p{L}\p{N}._%+@-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}\b/gu;

const digits = (text: string) => text.replace(/\D/g, "");
const whole = (m: RegExpExecArray) => ({ start: m.index, end: m.index + m[0].length });

/** The NHS number's modulus 11 check digit. */
export function validNhsNumber(text: string): boolean {
  const d = digits(text);
  if (d.length !== 10 || /^(\d)\1+$/.test(d)) return false;
  const sum = [...d.slice(0, 9)].reduce((acc, c, i) => acc + Number(c) * (10 - i), 0);
  const check = 11 - (sum % 11);
  return check !== 10 && (check === 11 ? 0 : check) === Number(d[9]);
}

/** The French NIR (numéro de sécurité sociale): 13 digits and a key of 97 − (number mod 97). */
export function validNir(text: string): boolean {
  const compact = text.replace(/\s/g, "").toUpperCase();
  if (!/^[12]\d{4}(?:\d{2}|2A|2B)\d{8}$/.test(compact)) return false;
  const body = compact.slice(0, 13).replace("2A", "19").replace("2B", "18");
  return 97n - (BigInt(body) % 97n) === BigInt(compact.slice(13));
}

/** The German Steuer-ID: 11 digits, the last an ISO 7064 MOD 11,10 check digit. */
export function validSteuerId(text: string): boolean {
  const d = digits(text);
  if (d.length !== 11 || d[0] === "0") return false;
  let product = 10;
  for (const c of d.slice(0, 10)) {
    let sum = (Number(c) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const check = (11 - product) % 10;
  return check === Number(d[10]);
}

// A date written with numbers, or with a month name (filled in per locale).
const NUMERIC_DATE = "\\d{1,2}[./-]\\d{1,2}[./-](?:\\d{4}|\\d{2})|\\d{4}-\\d{2}-\\d{2}";
const FULL_NUMERIC_DATE = /\b(?:0?[1-9]|[12]\d|3[01])[./-](?:0?[1-9]|1[0-2])[./-](?:19|20)\d{2}\b|\b(?:19|20)\d{2}-\d{2}-\d{2}\b/;

function birthDateRule(sets: LocaleRules[]): Rule {
  const months = [...new Set(sets.flatMap((s) => s.months))].sort((a, b) => b.length - a.length).join("|");
  const words = [...new Set(sets.flatMap((s) => s.birthWords))].sort((a, b) => b.length - a.length).join("|");
  const textual = `\\d{1,2}(?:st|nd|rd|th|er|\\.)?\\s(?:of\\s)?(?:${months})\\.?(?:,?\\s\\d{4})?` +
    `|(?:${months})\\.?\\s\\d{1,2}(?:st|nd|rd|th)?(?:,?\\s\\d{4})?`;
  const pattern = `(?<![\\p{L}])(?:${words})\\s*(?:[:=–-]\\s*|(?:is|was|est|ist|war)\\s+)?(?:(?:on|le|am|the)\\s+)?` +
    `(?:${NUMERIC_DATE}|${textual})(?![\\p{L}\\p{N}])`;
  return { kind: "birth-date", pattern: new RegExp(pattern, "giu") };
}

function nameRules(sets: LocaleRules[], ownNames: string[]): Rule[] {
  const titles = [...new Set(sets.flatMap((s) => s.titles))].sort((a, b) => b.length - a.length).join("|");
  const capitalise = (w: string) => `[${w[0]}${w[0].toUpperCase()}]${w.slice(1)}`;
  const possessives = [...new Set(sets.flatMap((s) => s.possessives))].map(capitalise).join("|");
  const relations = [...new Set(sets.flatMap((s) => s.relations))].sort((a, b) => b.length - a.length)
    .map((r) => `${r}|${capitalise(r)}`).join("|");
  const part = "\\p{Lu}\\p{Ll}+(?:[-'’]\\p{Lu}\\p{Ll}+)?";
  const names = `${part}\\s${part}(?:\\s${part})?`;
  const own = ownNames.map((n) => n.trim().toLowerCase()).filter((n) => n !== "");
  const accept = (m: RegExpExecArray) => {
    const name = m.groups!.name;
    const words = name.split(/\s+/);
    if (words.some((w) => NOT_NAMES.has(w.toLowerCase()))) return null;
    const lower = name.toLowerCase();
    if (own.some((n) => n === lower || lower.includes(n) || n.includes(lower))) return null;
    const start = m.index + m[0].length - name.length - (m.groups!.title ? m.groups!.title.length + 1 : 0);
    return { start, end: m.index + m[0].length };
  };
  return [
    {
      kind: "name",
      pattern: new RegExp(
        `(?<![\\p{L}])(?:${possessives})\\s(?:${relations})(?:,\\s|\\s)(?:(?<title>${titles})\\s)?(?<name>${names})(?![\\p{L}\\p{N}])`,
        "gu",
      ),
      accept,
    },
    {
      kind: "name",
      pattern: new RegExp(`(?<![\\p{L}])(?<title>${titles})\\s(?<name>${names})(?![\\p{L}\\p{N}])`, "gu"),
      accept,
    },
  ];
}

function phoneAccept(m: RegExpExecArray) {
  const count = digits(m[0]).length;
  if (count < 9 || count > 15) return null;
  // A date with a four-digit year is a date, whatever follows it.
  if (FULL_NUMERIC_DATE.test(m[0])) return null;
  return whole(m);
}

const ruleCache = new Map<string, Rule[]>();

function rulesFor(locale: string | undefined, ownNames: string[]): Rule[] {
  const key = `${locale ?? "*"}\u0000${ownNames.join("\u0000")}`;
  const cached = ruleCache.get(key);
  if (cached) return cached;
  const sets = localeSets(locale);
  const rules: Rule[] = [
    { kind: "email", pattern: EMAIL },
    // National identifiers, checked before phones: some share their shape.
    {
      kind: "national-id",
      pattern: /\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b/gu,
      accept: (m) => /^(?:BG|GB|NK|KN|TN|NT|ZZ)/.test(m[0]) ? null : whole(m),
    },
    {
      kind: "national-id",
      pattern: /(?<![\p{L}\p{N}])(?:SSN|[Ss]ocial [Ss]ecurity (?:[Nn]umber|[Nn]o\.?))\s*(?:is\s+|:\s*|#\s*)?\d{3}[\s-]?\d{2}[\s-]?\d{4}\b/gu,
    },
    { kind: "national-id", pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/gu },
    {
      kind: "national-id",
      pattern: /\b[12]\s?\d{2}\s?\d{2}\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}\s?\d{2}\b/gu,
      accept: (m) => validNir(m[0]) ? whole(m) : null,
    },
    {
      kind: "national-id",
      pattern: /\b[1-9]\d\s?\d{3}\s?\d{3}\s?\d{3}\b/gu,
      accept: (m) => validSteuerId(m[0]) ? whole(m) : null,
    },
    // Hospital and patient numbers: a label and a number, or an NHS number that passes its check.
    {
      kind: "health-id",
      pattern: new RegExp(
        "(?<![\\p{L}])(?:MRN|[Hh]ospital (?:[Nn]umber|[Nn]o\\.?|ID)|[Pp]atient (?:[Nn]umber|[Nn]o\\.?|ID)|NHS (?:[Nn]umber|[Nn]o\\.?)|" +
          "CHI (?:[Nn]umber|[Nn]o\\.?)|[Nn]uméro (?:de )?(?:patient|dossier)|[Nn]° (?:de )?(?:patient|dossier)|IPP|" +
          "Patientennummer|Fallnummer|Versichertennummer)\\s*(?:is\\s+|est\\s+|ist\\s+|:\\s*|#\\s*|=\\s*)?[A-Z]{0,3}\\d[\\d\\s-]{3,14}\\d(?![\\p{L}\\p{N}])",
        "gu",
      ),
    },
    {
      kind: "health-id",
      pattern: /\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b/gu,
      accept: (m) => validNhsNumber(m[0]) ? whole(m) : null,
    },
    birthDateRule(sets),
    ...sets.flatMap((s) => s.phones).map((source): Rule => ({ kind: "phone", pattern: new RegExp(source, "gu"), accept: phoneAccept })),
    { kind: "phone", pattern: /(?<![\p{N}])\+[1-9]\d{0,2}(?:[\s.-]?\(?\d{1,4}\)?){2,5}\b/gu, accept: phoneAccept },
    ...sets.flatMap((s) => s.addresses).map((source): Rule => ({ kind: "address", pattern: new RegExp(source, "gu") })),
    ...nameRules(sets, ownNames),
  ];
  if (ruleCache.size > 200) ruleCache.clear();
  ruleCache.set(key, rules);
  return rules;
}

/** The locale tags with rules of their own. */
export const oversharingLocales: readonly string[] = Object.keys(LOCALE_RULES);

/**
 * The rule sets for a locale tag: "en-GB" its own, "en" or "en-AU" both
 * English sets, "fr-CA" the French one.  Without a locale (or one we have no
 * rules for), every set: a post's declared language is often only its
 * author's default, and a missed phone number costs more than a rare false
 * alarm that the author dismisses with one click.
 */
function localeSets(locale: string | undefined): LocaleRules[] {
  if (!locale) return Object.values(LOCALE_RULES);
  const tag = locale.replace("_", "-").toLowerCase();
  const exact = Object.entries(LOCALE_RULES).filter(([k]) => k.toLowerCase() === tag);
  if (exact.length > 0) return exact.map(([, v]) => v);
  const language = tag.split("-")[0];
  const same = Object.entries(LOCALE_RULES).filter(([k]) => k.toLowerCase().split("-")[0] === language);
  return same.length > 0 ? same.map(([, v]) => v) : Object.values(LOCALE_RULES);
}

function mask(text: string): string {
  let masked = text;
  for (const pattern of MASKS) masked = masked.replace(pattern, (m) => " ".repeat(m.length));
  return masked;
}

/**
 * Finds personal details in `text`, in the order they appear.  Spans never
 * overlap: where two rules match the same characters, the rule listed first
 * wins (a checked identifier before a phone number, a phone number before a
 * street address).
 */
export function detectPersonalDetails(text: string, locale?: string, options: DetectOptions = {}): PersonalDetail[] {
  const masked = mask(text);
  const found: PersonalDetail[] = [];
  const overlaps = (start: number, end: number) => found.some((f) => start < f.end && f.start < end);
  for (const rule of rulesFor(locale, options.ownNames ?? [])) {
    rule.pattern.lastIndex = 0;
    for (const match of masked.matchAll(rule.pattern)) {
      const span = rule.accept ? rule.accept(match as RegExpExecArray) : whole(match as RegExpExecArray);
      if (!span) continue;
      const start = span.start, end = span.end;
      if (overlaps(start, end)) continue;
      found.push({ kind: rule.kind, start, end, text: text.slice(start, end) });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * `text` with the given spans replaced by `replacement` (spans may come in
 * any order; overlapping or out-of-range ones are merged or clipped).
 */
export function redactSpans(text: string, spans: Array<{ start: number; end: number }>, replacement: string): string {
  const sorted = spans
    .map((s) => ({ start: Math.max(0, Math.min(s.start, text.length)), end: Math.max(0, Math.min(s.end, text.length)) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const span of sorted) {
    if (span.end <= at) continue;
    if (span.start >= at) out += text.slice(at, span.start) + replacement;
    at = span.end;
  }
  return out + text.slice(at);
}
