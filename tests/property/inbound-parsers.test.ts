/**
 * Property tests of the inbound guard's JSON depth scanner
 * (src/inbound-guard.ts): on any JSON value it agrees with the nesting depth
 * JSON.parse sees, and on any bytes at all it never throws.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonDepthExceeds, jsonValuesExceed, malformedSignature } from "../../src/inbound-guard.ts";

/** Nesting depth of a parsed value: `{}` and `[]` are 1, a scalar 0. */
function depth(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depth));
}

/** JSON values with strings full of brackets, quotes and backslashes. */
const tricky = fc.string({ unit: fc.constantFrom("{", "}", "[", "]", "\"", "\\", "a", "é", "\u2028", "\n", ":", ",") });
const { v: value } = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "medium", maxDepth: 12 },
    fc.oneof(tricky, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)),
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(tricky, tie("v"), { maxKeys: 4 }),
  ),
}));
const enc = new TextEncoder();

describe("jsonDepthExceeds, for any JSON value", () => {
  it("agrees with JSON.parse's depth at every limit", () => {
    fc.assert(fc.property(value, fc.nat({ max: 14 }), fc.boolean(), (v, limit, pretty) => {
      const text = JSON.stringify(v, null, pretty ? 2 : undefined);
      const d = depth(JSON.parse(text));
      expect(jsonDepthExceeds(enc.encode(text), limit)).toBe(d > limit);
    }), { numRuns: 2000 });
  });

  it("agrees on deep single chains (arrays and objects mixed)", () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 300 }), fc.nat({ max: 320 }), (kinds, limit) => {
      const text = kinds.map((o) => (o ? '{"k":' : "[")).join("") + "1" +
        kinds.toReversed().map((o) => (o ? "}" : "]")).join("");
      expect(jsonDepthExceeds(enc.encode(text), limit)).toBe(depth(JSON.parse(text)) > limit);
    }));
  });

  it("never throws on arbitrary bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), fc.integer({ min: -1, max: 100 }), (bytes, limit) => {
      expect(typeof jsonDepthExceeds(bytes, limit)).toBe("boolean");
    }), { numRuns: 2000 });
  });
});

/**
 * What jsonValuesExceed counts, from the parsed value: each `{` and `[`,
 * each member's `:`, and the `,` between members and items.
 */
function counted(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  const colons = Array.isArray(value) ? 0 : children.length;
  return 1 + colons + Math.max(0, children.length - 1) + children.reduce((n: number, v) => n + counted(v), 0);
}

describe("jsonValuesExceed, for any JSON value", () => {
  it("counts exactly what the parsed value holds, strings full of brackets and quotes or not", () => {
    fc.assert(fc.property(value, fc.boolean(), (v, pretty) => {
      const text = JSON.stringify(v, null, pretty ? 2 : undefined);
      const n = counted(JSON.parse(text));
      expect(jsonValuesExceed(enc.encode(text), n)).toBe(false);
      if (n > 0) expect(jsonValuesExceed(enc.encode(text), n - 1)).toBe(true);
    }), { numRuns: 2000 });
  });

  it("never throws on arbitrary bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), fc.integer({ min: -1, max: 100 }), (bytes, limit) => {
      expect(typeof jsonValuesExceed(bytes, limit)).toBe("boolean");
    }), { numRuns: 2000 });
  });
});

describe("malformedSignature, for any headers", () => {
  it("never throws, and answers null or a message", () => {
    fc.assert(fc.property(fc.string(), fc.option(fc.string()), (signature, date) => {
      const headers = new Headers();
      try {
        headers.set("signature", signature);
        if (date != null) headers.set("date", date);
      } catch {
        return; // not a valid header value: Node would not deliver it
      }
      const answer = malformedSignature(headers);
      expect(answer === null || typeof answer === "string").toBe(true);
    }), { numRuns: 1000 });
  });
});
