/**
 * Property tests of the oversharing and crisis detectors (policy/): on any
 * text they never throw; personal-detail spans lie within the text, match
 * its characters and never overlap; crisis phrases are non-empty.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectCrisis } from "../../policy/crisis.ts";
import { detectPersonalDetails, oversharingLocales, redactSpans } from "../../policy/oversharing.ts";

/** Text made of pieces the detectors look for, glued with arbitrary strings. */
const PIECES = ["07700 900123", "+44 20 7946 0958", "01 23 45 67 89", "jo@example.org", "12 Baker Street", "born 01/02/1980",
  "NHS 943 476 5919", "1 85 05 78 006 084 36", "Mrs Jane Smith", "Dr. Müller", "I want to die", "kill myself",
  "je veux mourir", "ich will sterben", "pills", "tonight", "https://example.org/x", "@jo@example.org", "\u202e", "ﬁ",
  "İ", "ß", "\u0000", "\ud83d\ude00", "\ud800"];
const text = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string(), fc.string({ unit: "binary" })), { maxLength: 10 })
  .map((parts) => parts.join(" "));
const locale = fc.option(fc.oneof(fc.constantFrom(...oversharingLocales, "fr-CA", "de-AT", "xx"), fc.string()), { nil: undefined });

describe("detectPersonalDetails, for any text", () => {
  it("never throws; spans are inside the text, match it, are sorted and never overlap", () => {
    fc.assert(fc.property(text, locale, fc.array(fc.string(), { maxLength: 2 }), (t, loc, ownNames) => {
      const found = detectPersonalDetails(t, loc, { ownNames });
      let end = 0;
      for (const d of found) {
        expect(d.start).toBeGreaterThanOrEqual(end);
        expect(d.end).toBeGreaterThan(d.start);
        expect(d.end).toBeLessThanOrEqual(t.length);
        expect(d.text).toBe(t.slice(d.start, d.end));
        end = d.end;
      }
      // Redacting what was found removes every span's text from those places.
      expect(typeof redactSpans(t, found, "[…]")).toBe("string");
    }), { numRuns: 1500 });
  });

  it("finds the details the pieces hold (control)", () => {
    expect(detectPersonalDetails("call me on 07700 900123 or jo@example.org", "en").map((d) => d.kind))
      .toEqual(expect.arrayContaining(["phone", "email"]));
  });
});

describe("detectCrisis, for any text", () => {
  it("never throws; a match names a rule and non-empty phrases", () => {
    fc.assert(fc.property(text, locale, (t, loc) => {
      const match = detectCrisis(t, loc);
      if (match == null) return;
      expect(match.hits.length).toBeGreaterThan(0);
      expect(match.phrases.every((p) => p.trim().length > 0)).toBe(true);
      expect(["high", "critical"]).toContain(match.severity);
    }), { numRuns: 1500 });
  });

  it("finds crisis language (control)", () => {
    expect(detectCrisis("some days I want to kill myself")).not.toBeNull();
  });
});
