/**
 * Names that could pass for someone else's: Unicode bidi controls (an RLO
 * that turns `evil\u202Egro.elpmaxe` into what reads as `example.org`),
 * invisible characters, and letters of more than one of the scripts that
 * look alike (Latin `a` and Cyrillic `а`).  Pure functions; the pages
 * isolate every name with <bdi> and flag what these find.
 */

const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const INVISIBLE = /[\u00AD\u034F\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200D\u2060-\u2064\u3164\uFEFF\uFFA0]/u;
/** Scripts with letters that pass for Latin ones. */
const CONFUSABLE_SCRIPTS: Array<[string, RegExp]> = [
  ["Latin", /\p{Script=Latin}/u],
  ["Cyrillic", /\p{Script=Cyrillic}/u],
  ["Greek", /\p{Script=Greek}/u],
  ["Armenian", /\p{Script=Armenian}/u],
  ["Cherokee", /\p{Script=Cherokee}/u],
  ["Coptic", /\p{Script=Coptic}/u],
];

export function hasBidiControls(text: string): boolean {
  return BIDI_CONTROLS.test(text);
}

/** Whether one word of `text` mixes letters of look-alike scripts (`pаypal` with a Cyrillic а). */
export function isMixedScript(text: string): boolean {
  for (const word of text.split(/[\s@.:/_-]+/u)) {
    const scripts = CONFUSABLE_SCRIPTS.filter(([, re]) => re.test(word));
    if (scripts.length > 1) return true;
  }
  return false;
}

/**
 * Why a display name or handle may be passing for another (null when it
 * looks honest): the reason shown to readers.
 */
export function lookalikeReason(...parts: Array<string | null | undefined>): string | null {
  const text = parts.filter((p) => p != null).join(" ");
  if (hasBidiControls(text)) return "This name contains characters that reverse the direction of text.";
  if (INVISIBLE.test(text)) return "This name contains invisible characters.";
  if (isMixedScript(text)) return "This name mixes alphabets that look alike (for example Latin and Cyrillic).";
  return null;
}
