/**
 * Condition tags and languages of support groups (issue 9, item 1), as pure
 * rules: parsing and normalising codes from a shared vocabulary, so that "the
 * same condition" matches across instances, and their hashtag form on
 * ActivityPub actors.  No database, no I/O.
 *
 * Vocabularies:
 * - ICD-10: `ICD10:C50`, `ICD10:C50.9` (a letter, two digits, optionally a
 *   dot and one or two digits or letters);
 * - Orphanet: `ORPHA:558` (1 to 7 digits, no leading zero).
 *
 * Accepted spellings are normalised to those: any case, `ICD-10` or
 * `Orphanet` as prefix, a space or nothing instead of the colon, and the
 * hashtag form (`#ORPHA_558`, `#ICD10_C50_9`).
 */

export const MAX_CONDITION_TAGS = 10;
export const MAX_TAG_LABEL = 100;
export const MAX_LANGUAGES = 10;

export interface ConditionTag {
  /** Canonical code: `ICD10:C50.9` or `ORPHA:558`. */
  code: string;
  /** A human label given by the group's managers (or the peer), possibly empty. */
  label: string;
}

const ICD10 = /^(?:#)?ICD[-_]?10[:_\s]?([A-Z][0-9]{2})(?:[._]([0-9A-Z]{1,2}))?$/;
const ORPHA = /^(?:#)?ORPHA(?:NET)?[:_\s]?([1-9][0-9]{0,6})$/;

/** The canonical code for `input`, or null when it is none of ours. */
export function normaliseConditionCode(input: string): string | null {
  const text = input.trim().toUpperCase();
  const icd = ICD10.exec(text);
  if (icd) return icd[2] ? `ICD10:${icd[1]}.${icd[2]}` : `ICD10:${icd[1]}`;
  const orpha = ORPHA.exec(text);
  if (orpha) return `ORPHA:${orpha[1]}`;
  return null;
}

/** A problem with a tag list, in words for the person who typed it. */
export class TagListError extends Error {
  readonly field: "conditionTags" | "languages";
  constructor(field: "conditionTags" | "languages", message: string) {
    super(message);
    this.field = field;
    this.name = "TagListError";
  }
}

function checkLabel(label: string, code: string): string {
  const text = label.replace(/\s+/g, " ").trim();
  // Control characters (and NUL, which PostgreSQL cannot store) are refused, not dropped.
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(label.replace(/[\t\n\r]/g, " "))) {
    throw new TagListError("conditionTags", `the label of ${code} contains control characters`);
  }
  if (text.length > MAX_TAG_LABEL) {
    throw new TagListError("conditionTags", `the label of ${code} is longer than ${MAX_TAG_LABEL} characters`);
  }
  return text;
}

/** One tag from `CODE`, `CODE label` or `CODE = label`. */
export function parseConditionTag(entry: string): ConditionTag {
  const trimmed = entry.trim();
  // The code is the first word, or the first two when the vocabulary is spelt apart ("ORPHA 558").
  const match = /^(#?(?:ICD[-_]?10|ORPHA(?:NET)?)[:_\s]?[^\s=:]+)\s*(?:[=:]\s*)?(.*)$/is.exec(trimmed) ??
    /^(\S+)\s*(?:=\s*)?(.*)$/s.exec(trimmed);
  const code = match ? normaliseConditionCode(match[1]) : null;
  if (!match || !code) {
    throw new TagListError(
      "conditionTags",
      `“${trimmed.slice(0, 40)}” is not a condition code: use ICD-10 (for example ICD10:C50 or ICD10:C50.9) ` +
        "or Orphanet (for example ORPHA:558), optionally followed by a label",
    );
  }
  return { code, label: checkLabel(match[2] ?? "", code) };
}

/**
 * A group's tag list from text (entries separated by new lines, commas or
 * semicolons) or from JSON (an array of such strings or of `{ code, label }`).
 * Duplicate codes are merged (the first label wins); more than
 * MAX_CONDITION_TAGS is an error.
 */
export function parseConditionTags(input: unknown): ConditionTag[] {
  let entries: ConditionTag[];
  if (typeof input === "string") {
    entries = input.split(/[\n\r,;]+/).filter((e) => e.trim() !== "").map(parseConditionTag);
  } else if (Array.isArray(input)) {
    entries = input.map((item) => {
      if (typeof item === "string") return parseConditionTag(item);
      if (item != null && typeof item === "object" && typeof (item as { code?: unknown }).code === "string") {
        const { code, label } = item as { code: string; label?: unknown };
        if (label != null && typeof label !== "string") throw new TagListError("conditionTags", "a tag's label must be text");
        const normal = normaliseConditionCode(code);
        if (!normal) return parseConditionTag(code);
        return { code: normal, label: checkLabel(label ?? "", normal) };
      }
      throw new TagListError("conditionTags", "conditionTags must be a list of codes or of { code, label }");
    });
  } else {
    throw new TagListError("conditionTags", "conditionTags must be text or a list");
  }
  const seen = new Map<string, ConditionTag>();
  for (const tag of entries) {
    const known = seen.get(tag.code);
    if (!known) seen.set(tag.code, tag);
    else if (!known.label && tag.label) known.label = tag.label;
  }
  if (seen.size > MAX_CONDITION_TAGS) {
    throw new TagListError("conditionTags", `a group has at most ${MAX_CONDITION_TAGS} condition tags (got ${seen.size})`);
  }
  return [...seen.values()];
}

/** Whether a group tagged `code` answers a search for `query` (both canonical): the same code, or an ICD-10 sub-code. */
export function tagMatches(query: string, code: string): boolean {
  return code === query || (query.startsWith("ICD10:") && !query.includes(".") && code.startsWith(`${query}.`));
}

/** `ORPHA:558` → `ORPHA_558`, `ICD10:C50.9` → `ICD10_C50_9` (the hashtag's name without `#`). */
export function hashtagName(code: string): string {
  return code.replace(/[:.]/g, "_");
}

/** The code a hashtag (`#ORPHA_558`) stands for, or null for any other hashtag. */
export function codeOfHashtag(name: string): string | null {
  const text = name.trim();
  return /^#?(ICD10|ORPHA)_/i.test(text) ? normaliseConditionCode(text) : null;
}

const languageNames = new Intl.DisplayNames(["en"], { type: "language", fallback: "none" });

/**
 * A BCP 47 language tag, limited to a language with an optional script and
 * region (`en`, `fr`, `pt-BR`, `zh-Hant`), in canonical case; null when it
 * is malformed or names no known language.
 */
export function normaliseLanguage(input: string): string | null {
  const text = input.trim().replace(/_/g, "-");
  if (!/^[a-z]{2,3}(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?$/i.test(text)) return null;
  let canonical: string;
  try {
    canonical = Intl.getCanonicalLocales(text)[0];
  } catch {
    return null;
  }
  return languageNames.of(canonical.split("-")[0]) ? canonical : null;
}

/** A language's English name (`fr` → "French", `pt-BR` → "Brazilian Portuguese"), or the tag itself. */
export function languageName(tag: string): string {
  try {
    return new Intl.DisplayNames(["en"], { type: "language" }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** A group's languages from text (separated by spaces, commas or semicolons) or a JSON list. */
export function parseLanguages(input: unknown): string[] {
  const items = typeof input === "string"
    ? input.split(/[\s,;]+/).filter((e) => e !== "")
    : Array.isArray(input) && input.every((i) => typeof i === "string")
    ? input as string[]
    : null;
  if (items == null) throw new TagListError("languages", "languages must be text or a list of language tags");
  const out: string[] = [];
  for (const item of items) {
    const tag = normaliseLanguage(item);
    if (!tag) {
      throw new TagListError("languages", `“${item.slice(0, 20)}” is not a language tag: use BCP 47, for example en, fr or pt-BR`);
    }
    if (!out.includes(tag)) out.push(tag);
  }
  if (out.length > MAX_LANGUAGES) throw new TagListError("languages", `a group has at most ${MAX_LANGUAGES} languages`);
  return out;
}

/** A directory search: a code (possibly an ICD-10 category) or words of a label. */
export type TagQuery = { code: string } | { words: string } | null;

export function parseTagQuery(input: string | undefined): TagQuery {
  const text = (input ?? "").trim().slice(0, 100);
  if (!text) return null;
  const code = normaliseConditionCode(text);
  return code ? { code } : { words: text.toLowerCase() };
}

/** Whether a tag list answers a directory search. */
export function tagsAnswer(query: TagQuery, tags: readonly ConditionTag[]): boolean {
  if (query == null) return true;
  if ("code" in query) return tags.some((t) => tagMatches(query.code, t.code));
  return tags.some((t) => t.label.toLowerCase().includes(query.words));
}
