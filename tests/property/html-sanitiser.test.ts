/**
 * Property tests of the HTML sanitiser (federation/html.ts): whatever HTML a
 * peer sends, what we keep has no script, no event handler, no style, no
 * script-capable URL, and sanitising is idempotent (sanitising twice gives
 * what sanitising once gave, so nothing re-forms on a second pass).
 * The output is parsed (htmlparser2, which sanitize-html itself uses), not grepped.
 */
import fc from "fast-check";
import { parseDocument } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { htmlToText, sanitizeHtml } from "../../federation/html.ts";

const TAGS = ["p", "a", "script", "img", "svg", "math", "style", "iframe", "span", "b", "code", "table", "td", "noscript",
  "template", "textarea", "title", "object", "embed", "form", "input", "details", "summary", "mglyph", "foreignObject",
  "annotation-xml", "xmp", "noembed", "select", "option", "base", "meta", "link", "video", "source", "br"];
const ATTRS = ["href", "src", "onclick", "onerror", "onload", "style", "srcset", "xlink:href", "formaction", "class",
  "title", "start", "target", "rel", "background", "action", "data", "dir", "is", "xmlns"];
const URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
  "java&#x09;script:alert(1)", "&#106;avascript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>",
  "https://example.org/", "mailto:a@example.org", "//evil.example/", "/relative", "x", "javascript&colon;alert(1)"];

const text = fc.oneof(fc.string(), fc.constantFrom("<", ">", "&", "\"", "'", "<!--", "-->", "]]>", "<![CDATA[", "</", "/>", "\u202e", "`"));
const attr = fc.tuple(fc.constantFrom(...ATTRS), fc.oneof(fc.constantFrom(...URLS), fc.string()), fc.constantFrom('"', "'", ""))
  .map(([name, value, q]) => ` ${name}=${q}${q ? value.replaceAll(q, "") : value.replace(/[\s>]/g, "")}${q}`);
const { html } = fc.letrec<{ html: string; node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    text,
    fc.tuple(fc.constantFrom(...TAGS), fc.array(attr, { maxLength: 3 }), tie("html"), fc.boolean())
      .map(([tag, attrs, inner, close]) => `<${tag}${attrs.join("")}>${inner}${close ? `</${tag}>` : ""}`),
  ),
  html: fc.array(tie("node"), { maxLength: 4 }).map((parts) => parts.join("")),
}));
/** Raw strings too, and the generated markup. */
const anyHtml = fc.oneof(html, fc.string({ unit: "binary", maxLength: 200 }));

type Node = { type: string; name?: string; attribs?: Record<string, string>; children?: Node[] };
function* elements(node: Node): Generator<Node> {
  if (node.type === "tag" || node.type === "script" || node.type === "style") yield node;
  for (const child of node.children ?? []) yield* elements(child);
}

const URL_ATTRS = new Set(["href", "src", "action", "formaction", "xlink:href", "data", "background", "poster", "srcset"]);
const SCRIPT_URL = /^\s*(?:javascript|vbscript|data|file):/i;
/** The reasons `html` could run code, parsed as a browser-like parser would. */
function dangers(html: string): string[] {
  const found: string[] = [];
  for (const el of elements(parseDocument(html, { decodeEntities: true }) as unknown as Node)) {
    if (!["p", "br", "hr", "a", "strong", "b", "em", "i", "u", "s", "del", "ins", "sub", "sup", "blockquote", "code", "pre",
      "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "span", "table", "thead", "tbody", "tr", "th", "td", "details",
      "summary"].includes(el.name!)) found.push(`element <${el.name}>`);
    for (const [name, value] of Object.entries(el.attribs ?? {})) {
      if (/^on/i.test(name) || name === "style" || name === "srcset" || name === "src") found.push(`attribute ${name}`);
      if (URL_ATTRS.has(name) && SCRIPT_URL.test(value.replace(/[\u0000-\u001f]/g, ""))) found.push(`${name}=${value}`);
    }
  }
  return found;
}

describe("the HTML sanitiser, for any input", () => {
  it("keeps no script, event handler, style or script URL", () => {
    fc.assert(fc.property(anyHtml, (input) => {
      expect(dangers(sanitizeHtml(input))).toEqual([]);
    }), { numRuns: 1500 });
  });

  it("is idempotent: sanitising twice equals sanitising once", () => {
    fc.assert(fc.property(anyHtml, (input) => {
      const once = sanitizeHtml(input);
      expect(sanitizeHtml(once)).toBe(once);
    }), { numRuns: 1500 });
  });

  it("never throws, and plain text of it has no markup left", () => {
    fc.assert(fc.property(anyHtml, (input) => {
      const plain = htmlToText(sanitizeHtml(input));
      expect(typeof plain).toBe("string");
      // htmlToText output is text (rendered escaped by JSX): no element survives it.
      expect(dangers(plain.replace(/</g, "&lt;"))).toEqual([]);
    }), { numRuns: 500 });
  });

  it("the checker itself sees the dangers it looks for (control)", () => {
    expect(dangers('<a href="javascript:alert(1)">x</a>')).not.toEqual([]);
    expect(dangers('<img src=x onerror=alert(1)>')).not.toEqual([]);
    expect(dangers("<svg><script>alert(1)</script></svg>")).not.toEqual([]);
    expect(dangers('<a href="https://example.org/">x</a>')).toEqual([]);
  });
});
