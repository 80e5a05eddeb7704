/**
 * The small phrase language of the crisis rule files, compiled to regular
 * expressions.  Rule editors write phrases, never regular expressions:
 *
 * - words match whole words: `kill myself` does not match "skill myselfie";
 * - `word*` matches any word starting with `word` (`suicid*`);
 * - `{a|b c|d}` matches one of the alternatives (each may be several words);
 * - `...` matches a gap of zero to three words within one sentence;
 * - an apostrophe is optional (`don't` matches "dont"), a hyphen may also be a
 *   space or nothing (`self-harm` matches "self harm" and "selfharm").
 *
 * Phrases and post text are folded the same way (lower case, no diacritics,
 * umlauts as ae/oe/ue, straight apostrophes; see {@link phraseText}).
 */
import { escapeRegExp, foldGermanAware } from "./normalize.ts";

const GAP = "(?:[^ .]+ ){0,3}";

/**
 * Folds post text for phrase matching: {@link foldGermanAware}, then sentence
 * ends (. ! ? ; …, blank lines) become a " . " token that no phrase or gap
 * crosses, and other punctuation (quotes, commas, emoji, Markdown) a space.
 */
export function phraseText(text: string): string {
  const paragraphs = text.replace(/\n\s*\n/g, " . ");
  return foldGermanAware(paragraphs)
    .replace(/[.!?;…]+/g, " . ")
    .replace(/(?<![\p{L}\p{N}])[-']|[-'](?![\p{L}\p{N}])/gu, " ")
    .replace(/[^\p{L}\p{N}' .-]/gu, " ")
    .replace(/ +/g, " ")
    .trim();
}

/** Compiles one phrase to a global regular expression; throws on bad syntax. */
export function compilePhrase(phrase: string): RegExp {
  const folded = foldGermanAware(phrase);
  const items = tokens(folded, phrase).map((token) => {
    if (token === "...") return null;
    if (token.startsWith("{")) {
      const alternatives = token.slice(1, -1).split("|").map((alt) => {
        const words = alt.trim().split(" ").filter((w) => w !== "");
        if (words.length === 0) throw new Error(`empty alternative in "${phrase}"`);
        return words.map((w) => word(w, phrase)).join(" ");
      });
      return `(?:${alternatives.join("|")})`;
    }
    return word(token, phrase);
  });
  if (items.length === 0 || items[0] === null || items.at(-1) === null) {
    throw new Error(`phrase "${phrase}" must start and end with a word`);
  }
  let source = "";
  items.forEach((item, i) => {
    if (item === null) {
      if (items[i - 1] === null) throw new Error(`two gaps in a row in "${phrase}"`);
      source += " " + GAP; // the gap ends with a space, so the next word follows directly
    } else {
      source += i === 0 || items[i - 1] === null ? item : " " + item;
    }
  });
  return new RegExp(`(?<![\\p{L}\\p{N}])${source}(?![\\p{L}\\p{N}])`, "gu");
}

function tokens(folded: string, original: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < folded.length) {
    if (folded[i] === " ") {
      i++;
    } else if (folded[i] === "{") {
      const end = folded.indexOf("}", i);
      if (end < 0) throw new Error(`unclosed "{" in "${original}"`);
      out.push(folded.slice(i, end + 1));
      i = end + 1;
    } else {
      const end = folded.indexOf(" ", i);
      const token = folded.slice(i, end < 0 ? undefined : end);
      if (token.includes("{") || token.includes("}")) throw new Error(`put spaces around {…} in "${original}"`);
      out.push(token);
      i += token.length;
    }
  }
  return out;
}

function word(token: string, phrase: string): string {
  if (!/^[\p{L}\p{N}'-]+\*?$/u.test(token)) {
    throw new Error(`"${token}" in "${phrase}" is not a word (letters, digits, ' and -, optionally ending in *)`);
  }
  let source = "";
  for (const char of token) {
    if (char === "'") source += "'?";
    else if (char === "-") source += "[- ]?";
    else if (char === "*") source += "[\\p{L}\\p{N}'-]*";
    else source += escapeRegExp(char);
  }
  return source;
}
