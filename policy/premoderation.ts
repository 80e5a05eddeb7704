/**
 * Pre-moderation rules of a group (issue #5): a post is published, held for a
 * moderator, or rejected, by keyword, number of links or link domain.  Group
 * moderators type the patterns, so a keyword is always a literal phrase
 * (escaped, never a regular expression) and rules are validated when saved
 * ({@link validatePremodRule}).  Pure: no database, no I/O.
 */
import { extractLinks, hostMatches, type Link } from "./links.ts";
import { escapeRegExp, foldText } from "./normalize.ts";

export interface PremodRule {
  id?: number;
  kind: "keyword" | "link_count" | "link_domain";
  /** A word or phrase; the largest allowed number of links ("2"); or a domain. */
  pattern: string;
  action: "hold" | "reject";
}

export interface PremodInput {
  title?: string | null;
  /** The Markdown (or plain text) of the post. */
  text: string;
  /** The rendered or received HTML, whose links count too. */
  html?: string;
}

export interface PremodResult {
  action: "publish" | "hold" | "reject";
  /** Every rule that matched, with what it found (folded words, "3 links", a host). */
  matched: Array<{ rule: PremodRule; found: string }>;
}

const MAX_KEYWORD_LENGTH = 200;
const MAX_LINK_COUNT = 1000;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Applies a group's rules to a post.  Reject wins over hold, hold over
 * publish.  Rules that fail {@link validatePremodRule} are ignored.
 */
export function evaluatePremod(input: PremodInput, rules: PremodRule[]): PremodResult {
  const matched: PremodResult["matched"] = [];
  const texts = [input.title ?? "", input.text].map(foldText);
  let links: Link[] | undefined;
  const getLinks = () => (links ??= extractLinks(input));
  for (const rule of rules) {
    if (validatePremodRule(rule) !== null) continue;
    if (rule.kind === "keyword") {
      const pattern = keywordPattern(rule.pattern);
      const found = texts.map((text) => text.match(pattern)?.[0]).find((m) => m !== undefined);
      if (found !== undefined) matched.push({ rule, found });
    } else if (rule.kind === "link_count") {
      const count = getLinks().length;
      if (count > Number(rule.pattern)) matched.push({ rule, found: `${count} links` });
    } else {
      const domain = normalizeDomain(rule.pattern)!;
      const link = getLinks().find((l) => hostMatches(l.host, domain));
      if (link) matched.push({ rule, found: link.host });
    }
  }
  const action = matched.some((m) => m.rule.action === "reject")
    ? "reject"
    : matched.length > 0 ? "hold" : "publish";
  return { action, matched };
}

/** An error message to show for an invalid rule, or null when it is valid. */
export function validatePremodRule(rule: PremodRule): string | null {
  if (rule.action !== "hold" && rule.action !== "reject") return "The action must be hold or reject.";
  const pattern = typeof rule.pattern === "string" ? rule.pattern.trim() : "";
  switch (rule.kind) {
    case "keyword":
      if (foldText(pattern) === "") return "Enter a word or phrase to look for.";
      if (pattern.length > MAX_KEYWORD_LENGTH) return `A keyword can be at most ${MAX_KEYWORD_LENGTH} characters.`;
      return null;
    case "link_count":
      if (!/^\d+$/.test(pattern) || Number(pattern) > MAX_LINK_COUNT) {
        return `Enter the largest number of links allowed, a whole number from 0 to ${MAX_LINK_COUNT}.`;
      }
      return null;
    case "link_domain":
      return normalizeDomain(pattern) === null ? "Enter a domain name such as example.com." : null;
    default:
      return "The rule kind must be keyword, link_count or link_domain.";
  }
}

/**
 * Whether a member's new post is held because they are new to the group: the
 * group holds its members' first `firstPostsHeld` posts (0 turns this off).
 */
export function holdsNewcomer(priorPublishedPosts: number, firstPostsHeld: number): boolean {
  return firstPostsHeld > 0 && priorPublishedPosts < firstPostsHeld;
}

/**
 * The host name a link_domain pattern names, lower case and in punycode:
 * "Example.COM", "*.example.com", "https://example.com/path" and
 * "example.com." all give "example.com".  Null when it is not a domain.
 */
export function normalizeDomain(pattern: string): string | null {
  let text = pattern.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, "").replace(/^\*\./, "");
  text = text.split(/[/?#]/)[0].replace(/\.$/, "");
  if (text === "" || /[\s@:]/.test(text)) return null;
  let host: string;
  try {
    host = new URL(`http://${text}`).hostname;
  } catch {
    return null;
  }
  const labels = host.split(".");
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return null;
  if (/^\d+$/.test(labels.at(-1)!) && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return null;
  return host;
}

const keywordCache = new Map<string, RegExp>();

// Whole words or phrases: a word character at either end of the keyword must
// not touch another word character in the text ("cure" is not in "secure").
function keywordPattern(keyword: string): RegExp {
  let pattern = keywordCache.get(keyword);
  if (!pattern) {
    const folded = foldText(keyword);
    const before = /^[\p{L}\p{N}]/u.test(folded) ? "(?<![\\p{L}\\p{N}_])" : "";
    const after = /[\p{L}\p{N}]$/u.test(folded) ? "(?![\\p{L}\\p{N}_])" : "";
    pattern = new RegExp(before + escapeRegExp(folded) + after, "u");
    if (keywordCache.size > 1000) keywordCache.clear();
    keywordCache.set(keyword, pattern);
  }
  return pattern;
}
