/**
 * Sanitising HTML that arrives from other servers.  An allow-list: text
 * structure, links (http, https, mailto only; rel/target forced), no
 * scripts, styles, event handlers, iframes, forms or images (remote images
 * would leak readers' addresses to third parties).
 */
import sanitize from "sanitize-html";

const OPTIONS: sanitize.IOptions = {
  allowedTags: [
    "p", "br", "hr", "a", "strong", "b", "em", "i", "u", "s", "del", "ins", "sub", "sup",
    "blockquote", "code", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "span", "table", "thead", "tbody", "tr", "th", "td", "details", "summary",
  ],
  allowedAttributes: { a: ["href", "title"], ol: ["start"], span: ["class"], code: ["class"] },
  allowedClasses: { span: ["h-card", "mention", "hashtag", "invisible", "ellipsis"], code: [/^language-[\w-]+$/] },
  allowedSchemes: ["http", "https", "mailto"],
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  nonTextTags: ["script", "style", "textarea", "option", "noscript", "title", "template", "iframe", "object"],
  transformTags: {
    a: sanitize.simpleTransform("a", { rel: "nofollow noopener noreferrer ugc", target: "_blank" }),
  },
};
OPTIONS.allowedAttributes = { ...OPTIONS.allowedAttributes, a: ["href", "title", "rel", "target"] };

/**
 * Sanitised HTML, as a fixed point: sanitize-html serialises what it parsed,
 * and some inputs (a `<td>` inside a `<td>`, stray table or list parts) come
 * out in a shape that parses differently the next time, which is how
 * mutation XSS starts.  So the output is sanitised again until it no longer
 * changes (once more in the common case; tests/property/html-sanitiser.test.ts).
 */
export function sanitizeHtml(html: string): string {
  let out = sanitize(withoutNul(html), OPTIONS);
  for (let pass = 0; pass < 4; pass++) {
    const again = sanitize(out, OPTIONS);
    if (again === out) return out;
    out = again;
  }
  return out;
}

/** NUL characters: PostgreSQL cannot store them in text, and HTML parsers drop or replace them anyway. */
function withoutNul(text: string): string {
  return text.replace(/\u0000/g, "");
}

/** Plain text of an HTML fragment (titles, previews). */
export function htmlToText(html: string): string {
  return sanitize(withoutNul(html).replace(/<\/(p|div|h\d|li|blockquote)>|<br\s*\/?>/gi, "$&\n"), {
    allowedTags: [],
    allowedAttributes: {},
  }).replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'").replace(/\n{3,}/g, "\n\n").trim();
}
