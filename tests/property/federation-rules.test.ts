/**
 * Property tests of the federation rule matcher (policy/federation-rules.ts):
 * a rule for `host` covers exactly that host and its subdomains, on every
 * port; `host:port` only that authority; a lookalike (`evilhost`,
 * `host.evil`) is never covered; a block always wins; normalising is
 * idempotent.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { actionsFor, DOMAIN_ACTIONS, mayFederate, normalizeDomain, ruleCovers } from "../../policy/federation-rules.ts";

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
/** Host names (a letter TLD, so that the URL parser never reads one as an IPv4 address). */
const host = fc.tuple(fc.array(label, { maxLength: 3 }), fc.stringMatching(/^[a-z]{1,6}$/))
  .map(([l, tld]) => [...l, tld].join("."));
const port = fc.integer({ min: 1, max: 65535 });
const scheme = fc.constantFrom("http:", "https:");
const url = (s: string, h: string, p?: number) => new URL(`${s}//${h}${p ? `:${p}` : ""}/x`);

describe("the federation rule matcher, for any hosts", () => {
  it("a host rule covers the host and its subdomains on any port, and no lookalike", () => {
    fc.assert(fc.property(host, fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), scheme, fc.option(port, { nil: undefined }), (h, sub, s, p) => {
      expect(ruleCovers(h, url(s, h, p))).toBe(true);
      expect(ruleCovers(h, url(s, `${sub}.${h}`, p))).toBe(true);
      expect(ruleCovers(h, url(s, `${sub}${h}`, p))).toBe(`${sub}${h}` === h || `${sub}${h}`.endsWith(`.${h}`));
      expect(ruleCovers(h, url(s, `${h}.${sub}`, p))).toBe(`${h}.${sub}`.endsWith(`.${h}`));
      expect(ruleCovers(h, url(s, `${h.toUpperCase()}.`, p))).toBe(true);
    }), { numRuns: 1000 });
  });

  it("a host:port rule covers only that authority", () => {
    fc.assert(fc.property(host, port, port, scheme, (h, p, q, s) => {
      const explicit = new URL(`${s}//${h}:${q}/`);
      const effective = explicit.port || (s === "http:" ? "80" : "443");
      expect(ruleCovers(`${h}:${p}`, explicit)).toBe(effective === String(p));
    }), { numRuns: 1000 });
  });

  it("a block always wins, whatever the mode and the other rules", () => {
    fc.assert(fc.property(host, fc.constantFrom("open", "allowlist", "closed" as const),
      fc.array(fc.constantFrom(...DOMAIN_ACTIONS), { maxLength: 5 }), (h, mode, others) => {
        const rules = [...others.map((action) => ({ domain: h, action })), { domain: h, action: "block" as const }];
        expect(mayFederate({ mode, rules }, url("https:", h))).toBe(false);
        expect(actionsFor({ mode, rules }, url("https:", `a.${h}`)).has("block")).toBe(true);
      }));
  });

  it("normalizeDomain never throws and is idempotent", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), host, host.map((h) => `HTTPS://${h.toUpperCase()}/path?q`)), (input) => {
      const once = normalizeDomain(input);
      if (once != null) expect(normalizeDomain(once)).toBe(once);
    }), { numRuns: 1000 });
  });
});
