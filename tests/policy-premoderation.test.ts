/**
 * Pre-moderation rules (policy/premoderation.ts): each kind of rule, which
 * action wins, domain and subdomain matching, keywords taken literally, links
 * counted across Markdown and HTML, and the validation messages.
 */
import { describe, expect, it } from "vitest";
import { extractLinks } from "../policy/links.ts";
import {
  evaluatePremod,
  holdsNewcomer,
  normalizeDomain,
  type PremodRule,
  validatePremodRule,
} from "../policy/premoderation.ts";

const hold = (kind: PremodRule["kind"], pattern: string): PremodRule => ({ kind, pattern, action: "hold" });
const reject = (kind: PremodRule["kind"], pattern: string): PremodRule => ({ kind, pattern, action: "reject" });

const ordinaryPost = {
  title: "Three months after my stem cell transplant",
  text: "Counts are finally creeping up and I managed a short walk today. " +
    "The fatigue is still brutal in the afternoons. Did anyone else find the " +
    "second quarter harder than the first? My nurse says that is common.",
};

describe("keyword rules", () => {
  it("publishes a post that matches nothing", () => {
    const result = evaluatePremod(ordinaryPost, [hold("keyword", "miracle cure"), reject("link_count", "2")]);
    expect(result).toEqual({ action: "publish", matched: [] });
  });

  it("holds a post with a phrase, whatever its case, accents, apostrophes or spacing", () => {
    const rule = hold("keyword", "Miracle Cure");
    const post = {
      text: "My aunt swears by this MIRACLE\n  cure from a clinic abroad. Has anyone tried it before chemo?",
    };
    expect(evaluatePremod(post, [rule])).toEqual({ action: "hold", matched: [{ rule, found: "miracle cure" }] });
    expect(evaluatePremod({ text: "Ce remède miracle guérit tout" }, [hold("keyword", "remede miracle")]).action)
      .toBe("hold");
    expect(evaluatePremod({ text: "Don’t stop your meds" }, [hold("keyword", "don't stop")]).action).toBe("hold");
    expect(evaluatePremod({ text: "ＣＵＲＥ guaranteed" }, [hold("keyword", "cure")]).action).toBe("hold");
  });

  it("matches whole words only", () => {
    const rule = hold("keyword", "cure");
    expect(evaluatePremod({ text: "Make sure the port dressing is secure and curettage went fine." }, [rule]).action)
      .toBe("publish");
    expect(evaluatePremod({ text: "There is no cure, only management." }, [rule]).action).toBe("hold");
  });

  it("checks the title too", () => {
    const rule = reject("keyword", "buy now");
    expect(evaluatePremod({ title: "Buy now: CBD oil", text: "Best price." }, [rule]).matched)
      .toEqual([{ rule, found: "buy now" }]);
  });

  it("treats a keyword as literal text, never as a regular expression", () => {
    const evil = hold("keyword", "(a+)+$");
    const long = "a".repeat(50_000) + "!";
    const started = performance.now();
    expect(evaluatePremod({ text: long }, [evil]).action).toBe("publish");
    expect(performance.now() - started).toBeLessThan(500);
    expect(evaluatePremod({ text: "the regex (a+)+$ is a classic" }, [evil]).action).toBe("hold");
    expect(evaluatePremod({ text: "dose: 5mg" }, [hold("keyword", "5.g")]).action).toBe("publish");
    expect(evaluatePremod({ text: "anything at all" }, [hold("keyword", ".*")]).action).toBe("publish");
    expect(evaluatePremod({ text: "wow [x] here" }, [hold("keyword", "[x]")]).action).toBe("hold");
  });
});

describe("action priority", () => {
  it("reject wins over hold, and every matching rule is reported", () => {
    const rules = [hold("keyword", "supplement"), reject("link_domain", "cure-cancer.biz"), hold("link_count", "0")];
    const result = evaluatePremod({ text: "This supplement changed everything: https://cure-cancer.biz/offer" }, rules);
    expect(result.action).toBe("reject");
    expect(result.matched.map((m) => m.found)).toEqual(["supplement", "cure-cancer.biz", "1 links"]);
  });

  it("holds when only hold rules match, whatever their order", () => {
    const rules = [hold("keyword", "supplement"), reject("keyword", "casino")];
    expect(evaluatePremod({ text: "Which vitamin D supplement do you take?" }, rules).action).toBe("hold");
  });

  it("ignores invalid rules instead of failing", () => {
    const rules = [reject("link_count", "lots"), reject("keyword", "  "), reject("link_domain", "not a domain")];
    expect(evaluatePremod({ text: "https://a.example.com and https://b.example.com" }, rules).action).toBe("publish");
  });
});

describe("link rules", () => {
  it("counts links in Markdown: URLs, Markdown links and bare domains, each once", () => {
    const text = "Useful reading: [the NHS page](https://www.nhs.uk/conditions/lymphoma/), " +
      "https://www.nhs.uk/conditions/lymphoma and macmillan.org.uk/cancer-information. " +
      "Also see www.lymphoma-action.org.uk for support groups.";
    expect(extractLinks({ text }).map((l) => l.host)).toEqual([
      "www.nhs.uk",
      "macmillan.org.uk",
      "www.lymphoma-action.org.uk",
    ]);
  });

  it("does not count prose, decimals, e-mail addresses or mentions as links", () => {
    const text = "I was so tired.Then I slept, e.g. after 2.5mg of it. Mail me at jo@example.com " +
      "or ping @jo@example.social. Version 1.2.3 of the app; file notes.txt.";
    expect(extractLinks({ text })).toEqual([]);
  });

  it("counts HTML hrefs with the Markdown, deduplicated, skipping mentions and hashtags", () => {
    const input = {
      text: "See https://example.org/trial and https://other.example.net/",
      html: '<p>See <a href="https://example.org/trial">https://example.org/trial</a> and ' +
        '<a href="https://other.example.net/">x</a> and <a href=\'https://third.example.com/a?b=1&amp;c=2\'>y</a> ' +
        '<span class="h-card"><a href="https://masto.example/@jo" class="u-url mention">@jo</a></span> ' +
        '<a href="https://masto.example/tags/cancer" class="mention hashtag" rel="tag">#cancer</a> ' +
        '<a href="/local/path">local</a> <a href="mailto:x@example.com">mail</a></p>',
    };
    expect(extractLinks(input).map((l) => l.url)).toEqual([
      "https://example.org/trial",
      "https://other.example.net/",
      "https://third.example.com/a?b=1&c=2",
    ]);
    expect(evaluatePremod(input, [hold("link_count", "2")]).matched.map((m) => m.found)).toEqual(["3 links"]);
    expect(evaluatePremod(input, [hold("link_count", "3")]).action).toBe("publish");
  });

  it("link_count 0 holds any link", () => {
    expect(evaluatePremod({ text: "see example.com/x" }, [hold("link_count", "0")]).action).toBe("hold");
    expect(evaluatePremod(ordinaryPost, [hold("link_count", "0")]).action).toBe("publish");
  });

  it("matches a domain and its subdomains, not look-alikes", () => {
    const rule = reject("link_domain", "cure-cancer.biz");
    const check = (text: string) => evaluatePremod({ text }, [rule]).action;
    expect(check("https://cure-cancer.biz")).toBe("reject");
    expect(check("https://www.cure-cancer.biz/buy")).toBe("reject");
    expect(check("visit shop.CURE-CANCER.biz/now")).toBe("reject");
    expect(check("https://notcure-cancer.biz/")).toBe("publish");
    expect(check("https://cure-cancer.biz.example.com/")).toBe("publish");
    expect(check("https://example.com/?ref=cure-cancer.biz")).toBe("publish");
    expect(evaluatePremod({ text: "", html: '<a href="https://Cure-Cancer.biz/x">x</a>' }, [rule]).action)
      .toBe("reject");
  });

  it("matches internationalised domains in either spelling", () => {
    const rule = hold("link_domain", "heilung-garantiert.de");
    expect(evaluatePremod({ text: "https://www.heilung-garantiert.de/kaufen" }, [rule]).action).toBe("hold");
    const idn = hold("link_domain", "wunder-kräuter.de");
    expect(evaluatePremod({ text: "https://shop.wunder-kräuter.de/" }, [idn]).action).toBe("hold");
    const punycode = new URL("http://wunder-kräuter.de").hostname;
    expect(punycode).toMatch(/^xn--/);
    expect(evaluatePremod({ text: `https://shop.${punycode}/` }, [idn]).action).toBe("hold");
  });
});

describe("validatePremodRule", () => {
  it("accepts valid rules", () => {
    for (const rule of [
      hold("keyword", "miracle cure"),
      reject("keyword", "(a+)+$"),
      hold("link_count", "0"),
      hold("link_count", "12"),
      reject("link_domain", "cure-cancer.biz"),
      reject("link_domain", "sub.example.co.uk"),
    ]) expect(validatePremodRule(rule)).toBeNull();
  });

  it("explains what is wrong", () => {
    expect(validatePremodRule(hold("keyword", "   "))).toBe("Enter a word or phrase to look for.");
    expect(validatePremodRule(hold("keyword", "x".repeat(201)))).toMatch(/at most 200/);
    for (const count of ["-1", "1.5", "two", "", "1e3", "1001"]) {
      expect(validatePremodRule(hold("link_count", count))).toMatch(/whole number/);
    }
    for (const domain of ["", "localhost", "exa mple.com", "-bad.com", "a..com", "user@example.com", "example.123"]) {
      expect(validatePremodRule(hold("link_domain", domain)), domain).toBe("Enter a domain name such as example.com.");
    }
    expect(validatePremodRule({ kind: "keyword", pattern: "x", action: "delete" as "hold" })).toMatch(/hold or reject/);
    expect(validatePremodRule({ kind: "regex" as "keyword", pattern: "x", action: "hold" })).toMatch(/rule kind/);
  });

  it("normalises what people paste as a domain", () => {
    expect(normalizeDomain("Example.COM")).toBe("example.com");
    expect(normalizeDomain("*.example.com")).toBe("example.com");
    expect(normalizeDomain("https://www.example.com/path?q=1")).toBe("www.example.com");
    expect(normalizeDomain("example.com.")).toBe("example.com");
  });
});

describe("holdsNewcomer", () => {
  it("holds the first N posts of a member, and nothing when N is 0", () => {
    expect(holdsNewcomer(0, 0)).toBe(false);
    expect(holdsNewcomer(0, 1)).toBe(true);
    expect(holdsNewcomer(1, 1)).toBe(false);
    expect(holdsNewcomer(2, 3)).toBe(true);
    expect(holdsNewcomer(3, 3)).toBe(false);
  });
});
