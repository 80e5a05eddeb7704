/**
 * Condition tags and languages as pure rules (policy/condition-tags.ts):
 * what is accepted, how it is normalised, what matches what, and the
 * hashtag form on group actors.
 */
import { describe, expect, it } from "vitest";
import {
  codeOfHashtag,
  hashtagName,
  normaliseConditionCode,
  normaliseLanguage,
  parseConditionTags,
  parseLanguages,
  parseTagQuery,
  tagMatches,
  tagsAnswer,
} from "../policy/condition-tags.ts";

describe("condition codes", () => {
  it("normalises the spellings people use to one canonical code", () => {
    const cases: [string, string][] = [
      ["ICD10:C50", "ICD10:C50"],
      ["icd10:c50.9", "ICD10:C50.9"],
      ["ICD-10:C50.91", "ICD10:C50.91"],
      ["ICD10 U07.1", "ICD10:U07.1"],
      ["icd10c50", "ICD10:C50"],
      ["#ICD10_C50_9", "ICD10:C50.9"],
      ["ORPHA:558", "ORPHA:558"],
      ["orpha 558", "ORPHA:558"],
      ["Orphanet:558", "ORPHA:558"],
      ["#ORPHA_558", "ORPHA:558"],
    ];
    for (const [input, code] of cases) expect(normaliseConditionCode(input), input).toBe(code);
  });

  it("refuses what is not a code of either vocabulary", () => {
    for (const input of ["C50", "ICD10:50", "ICD10:C5", "ICD10:C50.", "ICD10:C50.123", "ICD9:250", "ORPHA:", "ORPHA:0558",
      "ORPHA:12345678", "ORPHA:55a", "SNOMED:1234", "", "ICD10:C50.9; drop table"]) {
      expect(normaliseConditionCode(input), input).toBeNull();
    }
  });

  it("parses lists with labels, merges duplicates, and caps the count", () => {
    expect(parseConditionTags("ORPHA:558 Marfan syndrome\nicd10:c50.9 = Breast cancer; ICD10:C50.9, orpha:558")).toEqual([
      { code: "ORPHA:558", label: "Marfan syndrome" },
      { code: "ICD10:C50.9", label: "Breast cancer" },
    ]);
    expect(parseConditionTags([{ code: "orpha:558", label: "  Marfan   syndrome " }, "ICD10:Q87.4"])).toEqual([
      { code: "ORPHA:558", label: "Marfan syndrome" },
      { code: "ICD10:Q87.4", label: "" },
    ]);
    expect(parseConditionTags("")).toEqual([]);
    expect(() => parseConditionTags("ORPHA:558 Marfan\nnot a code")).toThrow(/not a condition code/);
    expect(() => parseConditionTags(Array.from({ length: 11 }, (_, i) => `ORPHA:${i + 1}`))).toThrow(/at most 10/);
    expect(() => parseConditionTags(`ORPHA:1 ${"x".repeat(101)}`)).toThrow(/longer than 100/);
    expect(() => parseConditionTags(["ORPHA:1\u0000"])).toThrow();
    expect(() => parseConditionTags(42)).toThrow(/text or a list/);
  });

  it("matches a code and, for an ICD-10 category, its sub-codes only", () => {
    expect(tagMatches("ICD10:C50", "ICD10:C50.9")).toBe(true);
    expect(tagMatches("ICD10:C50", "ICD10:C50")).toBe(true);
    expect(tagMatches("ICD10:C50", "ICD10:C51")).toBe(false);
    expect(tagMatches("ICD10:C50.9", "ICD10:C50")).toBe(false);
    expect(tagMatches("ICD10:C50.9", "ICD10:C50.91")).toBe(false);
    expect(tagMatches("ORPHA:55", "ORPHA:558")).toBe(false);
    const tags = [{ code: "ORPHA:558", label: "Marfan syndrome" }];
    expect(tagsAnswer(parseTagQuery("orpha 558"), tags)).toBe(true);
    expect(tagsAnswer(parseTagQuery("marfan"), tags)).toBe(true);
    expect(tagsAnswer(parseTagQuery("lupus"), tags)).toBe(false);
    expect(tagsAnswer(parseTagQuery(""), tags)).toBe(true);
  });

  it("writes hashtags Mastodon and Lemmy parse, and reads them back", () => {
    expect(hashtagName("ORPHA:558")).toBe("ORPHA_558");
    expect(hashtagName("ICD10:C50.9")).toBe("ICD10_C50_9");
    expect(/^[A-Za-z0-9_]+$/.test(hashtagName("ICD10:C50.91"))).toBe(true);
    expect(codeOfHashtag("#ICD10_C50_9")).toBe("ICD10:C50.9");
    expect(codeOfHashtag("#orpha_558")).toBe("ORPHA:558");
    expect(codeOfHashtag("#marfan")).toBeNull();
  });
});

describe("languages", () => {
  it("takes BCP 47 language tags with an optional script and region, in canonical case", () => {
    expect(normaliseLanguage("EN")).toBe("en");
    expect(normaliseLanguage("pt-br")).toBe("pt-BR");
    expect(normaliseLanguage("pt_BR")).toBe("pt-BR");
    expect(normaliseLanguage("zh-hant")).toBe("zh-Hant");
    expect(normaliseLanguage("es-419")).toBe("es-419");
    for (const bad of ["english", "zz", "e", "en-", "en-US-x-private", "<script>", ""]) {
      expect(normaliseLanguage(bad), bad).toBeNull();
    }
    expect(parseLanguages("en, fr  fr;de")).toEqual(["en", "fr", "de"]);
    expect(() => parseLanguages("en, klingon")).toThrow(/not a language tag/);
    expect(() => parseLanguages([1])).toThrow(/list of language tags/);
  });
});
