/**
 * Text folding shared by the content rules: the same folding is applied to
 * rule patterns and to post text, so "Don’t", "DON'T" and "don't" compare
 * equal, as do "Möglich" and "moglich" or full-width and ASCII letters.
 */

// Curly and look-alike apostrophes, written by phones and word processors.
const APOSTROPHES = /[\u2018\u2019\u201B\u02BC\u02B9\u2032\u0060\u00B4\uFF07]/g;
// Zero-width characters and soft hyphens, invisible but able to split a word.
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;

/**
 * Folds text for comparison: Unicode NFKC, invisible characters removed,
 * straight apostrophes, lower case, diacritics stripped (ß → ss, œ → oe,
 * æ → ae), whitespace collapsed to single spaces.  Punctuation is kept.
 */
export function foldText(text: string): string {
  return stripMarks(text.normalize("NFKC").replace(INVISIBLE, "").replace(APOSTROPHES, "'").toLowerCase())
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Like {@link foldText}, but German umlauts become "ae", "oe", "ue" first,
 * so "möchte" and "moechte" (typed without an umlaut key) fold alike.
 */
export function foldGermanAware(text: string): string {
  const lower = text.normalize("NFKC").toLowerCase().normalize("NFC");
  return foldText(lower.replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue"));
}

function stripMarks(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").normalize("NFC")
    .replace(/ß/g, "ss").replace(/œ/g, "oe").replace(/æ/g, "ae");
}

/** Escapes text for use as a literal inside a `u`-flag regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}
