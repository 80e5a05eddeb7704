/**
 * Finding the links in a post: http(s) URLs and bare domains ("example.com/x",
 * "www.example.org") in its Markdown, plus `href`s in its HTML, deduplicated.
 * Mention and hashtag links in HTML (Mastodon's `class="mention"`,
 * `rel="tag"`) are not links for these rules.
 */

export interface Link {
  /** The URL as written (bare domains get "http://"). */
  url: string;
  /** Lower-case host name, internationalised names in punycode. */
  host: string;
}

// Common top-level domains: a bare "word.word" counts as a link only with one
// of these, a "www." or a path, so "tired.Then" (a missing space) does not.
const BARE_TLDS = new Set(
  ("com net org info biz io co app dev xyz top online site shop store club health care clinic life live " +
    "ly me tv eu uk de fr ch at nl be es it pt pl se no dk fi ie ca au nz us in ru cn br mx za jp")
    .split(" "),
);

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`)\]]+/giu;
const BARE_DOMAIN =
  /(?<![\p{L}\p{N}@.\/:_-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,63}(?![\p{L}\p{N}@_-])(?::\d{1,5})?(?:\/[^\s<>"'`)\]]*)?/gu;
const ANCHOR = /<a\b[^>]*>/giu;

/** The distinct links in a post's title, Markdown text and HTML. */
export function extractLinks(input: { title?: string | null; text: string; html?: string }): Link[] {
  const found = new Map<string, Link>();
  const add = (url: string) => {
    const link = parse(url.replace(/[.,;:!?*_~]+$/u, ""));
    if (link) found.set(key(link.url), found.get(key(link.url)) ?? link);
  };
  for (const part of [input.title ?? "", input.text]) {
    const rest = part.replace(URL_IN_TEXT, (url) => {
      add(url);
      return " ";
    });
    for (const [bare] of rest.matchAll(BARE_DOMAIN)) {
      const host = bare.split(/[/:]/)[0].toLowerCase();
      const tld = host.slice(host.lastIndexOf(".") + 1);
      if (host.startsWith("www.") || bare.includes("/") || BARE_TLDS.has(tld)) add(`http://${bare}`);
    }
  }
  for (const [tag] of (input.html ?? "").matchAll(ANCHOR)) {
    const className = attribute(tag, "class") ?? "";
    const rel = attribute(tag, "rel") ?? "";
    if (/\b(mention|hashtag)\b/i.test(className) || /\btag\b/i.test(rel)) continue;
    const href = decodeEntities(attribute(tag, "href") ?? "");
    if (/^https?:\/\//i.test(href)) add(href);
    else if (href.startsWith("//")) add(`https:${href}`);
  }
  return [...found.values()];
}

/** Whether `host` is `domain` or one of its subdomains. */
export function hostMatches(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

function parse(url: string): Link | null {
  try {
    const parsed = new URL(url);
    if (!parsed.hostname.includes(".")) return null;
    return { url, host: parsed.hostname.replace(/\.$/, "") };
  } catch {
    return null;
  }
}

// The same link written as "example.com/a", "https://www.example.com/a/" and
// an HTML href counts once.
function key(url: string): string {
  const parsed = new URL(url);
  const path = parsed.pathname.replace(/\/+$/, "");
  return parsed.hostname.replace(/^www\./, "") + path + parsed.search;
}

function attribute(tag: string, name: string): string | undefined {
  const match = tag.match(new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i"));
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined;
}

function decodeEntities(text: string): string {
  return text.replace(/&amp;/gi, "&").replace(/&#x2f;/gi, "/").replace(/&#47;/g, "/").trim();
}
