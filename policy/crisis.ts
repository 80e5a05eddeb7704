/**
 * Crisis language detection (issue #5): a post or reply that matches shows
 * crisis resources to its author and raises a high-priority report.  The
 * rules are data, one JSON file per language in crisis-rules/, written in the
 * phrase language of phrase.ts so that non-programmers can edit them.
 *
 * Exclusions are applied first and blank out what they match ("suicide
 * prevention", "I don't want to die", "die laughing", "assisted dying"), so
 * a rule cannot match through them while the rest of the post is still read.
 * Figurative complaints about treatment ("this chemo is killing me") match no
 * rule by design.  Pure: no I/O beyond the bundled JSON, no logging.
 */
import de from "./crisis-rules/de.json" with { type: "json" };
import en from "./crisis-rules/en.json" with { type: "json" };
import fr from "./crisis-rules/fr.json" with { type: "json" };
import { compilePhrase, phraseText } from "./phrase.ts";

export type CrisisCategory = "suicidal-ideation" | "self-harm" | "intent-plan";
/** "critical": a method or plan is named; "high": everything else. */
export type CrisisSeverity = "high" | "critical";

/** The JSON shape of one crisis-rules/*.json file. */
export interface CrisisRuleFile {
  language: string;
  about?: string;
  rules: Array<{ id: string; category: string; note: string; patterns: string[] }>;
  exclusions: Array<{ id: string; note: string; patterns: string[] }>;
}

/** One rule that matched, and the (folded) words that matched it. */
export interface CrisisHit {
  ruleId: string;
  category: CrisisCategory;
  language: string;
  phrase: string;
}

/** The result of {@link detectCrisis}: the most severe hit first. */
export interface CrisisMatch {
  ruleId: string;
  category: CrisisCategory;
  severity: CrisisSeverity;
  language: string;
  /** The matched words, folded (lower case, no accents), for the report. */
  phrases: string[];
  hits: CrisisHit[];
}

interface CompiledRule {
  id: string;
  category: CrisisCategory;
  patterns: RegExp[];
}

interface CompiledSet {
  language: string;
  rules: CompiledRule[];
  exclusions: RegExp[];
}

const CATEGORIES: readonly string[] = ["suicidal-ideation", "self-harm", "intent-plan"];

/** Compiles and checks one rule file; throws naming the rule at fault. */
export function compileRuleFile(file: CrisisRuleFile): CompiledSet {
  const seen = new Set<string>();
  const compile = (id: string, patterns: string[]) => {
    if (seen.has(id)) throw new Error(`crisis rules (${file.language}): duplicate id ${id}`);
    seen.add(id);
    if (patterns.length === 0) throw new Error(`crisis rules (${file.language}): ${id} has no patterns`);
    try {
      return patterns.map(compilePhrase);
    } catch (error) {
      throw new Error(`crisis rules (${file.language}): ${id}: ${(error as Error).message}`);
    }
  };
  return {
    language: file.language,
    rules: file.rules.map((rule) => {
      if (!CATEGORIES.includes(rule.category)) {
        throw new Error(`crisis rules (${file.language}): ${rule.id} has unknown category ${rule.category}`);
      }
      return { id: rule.id, category: rule.category as CrisisCategory, patterns: compile(rule.id, rule.patterns) };
    }),
    exclusions: file.exclusions.map((exclusion) => compile(exclusion.id, exclusion.patterns)).flat(),
  };
}

/** The bundled rule files, by language. */
export const crisisRuleFiles: Readonly<Record<string, CrisisRuleFile>> = { en, fr, de };

const compiled: CompiledSet[] = Object.values(crisisRuleFiles).map(compileRuleFile);

/** Languages with crisis rules. */
export const crisisLanguages: readonly string[] = compiled.map((set) => set.language);

/**
 * Looks for crisis language in a post's text (title and body together).
 *
 * `language` (a tag such as "fr" or "de-AT") only decides which rules are
 * tried first: the rules of every language are always tried, because the
 * language a post declares is often just its author's default setting, and a
 * missed crisis costs more than the rare cross-language false alarm.
 * Returns null when nothing matches.
 */
export function detectCrisis(text: string, language?: string): CrisisMatch | null {
  const primary = language?.toLowerCase().split(/[-_]/)[0];
  const sets = [...compiled].sort((a, b) => Number(b.language === primary) - Number(a.language === primary));
  const folded = phraseText(text);
  const hits: CrisisHit[] = [];
  for (const set of sets) {
    let masked = folded;
    for (const exclusion of set.exclusions) masked = masked.replace(exclusion, " . ");
    masked = masked.replace(/ +/g, " ");
    for (const rule of set.rules) {
      for (const pattern of rule.patterns) {
        for (const match of masked.matchAll(pattern)) {
          hits.push({ ruleId: rule.id, category: rule.category, language: set.language, phrase: match[0] });
        }
      }
    }
  }
  if (hits.length === 0) return null;
  const first = hits.find((hit) => hit.category === "intent-plan") ?? hits[0];
  return {
    ruleId: first.ruleId,
    category: first.category,
    severity: first.category === "intent-plan" ? "critical" : "high",
    language: first.language,
    phrases: [...new Set(hits.map((hit) => hit.phrase))],
    hits,
  };
}
