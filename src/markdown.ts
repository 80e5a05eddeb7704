/**
 * Markdown to HTML for text written on this instance.  Raw HTML in the
 * source is escaped, not passed through, so the output is safe by
 * construction; links are limited to http(s) and mailto.
 */
import MarkdownIt from "markdown-it";

const md = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false });
md.validateLink = (url) => /^(https?:|mailto:|\/|#)/i.test(url.trim());

const defaultLinkOpen = md.renderer.rules.link_open ??
  ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  // Outbound links must not leak the page (referrer) or give it a handle.
  tokens[idx].attrSet("rel", "nofollow noopener noreferrer");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export function renderMarkdown(source: string): string {
  return md.render(source);
}
