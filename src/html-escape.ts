/** Escaping text for HTML built as a string (feeds' HTML content, the HTML part of emails). */

/** Text as HTML character data or a double-quoted attribute value. */
export function escapeHtmlText(value: string): string {
  return value.replace(/[&<>"]/g, (ch) => ch === "&" ? "&amp;" : ch === "<" ? "&lt;" : ch === ">" ? "&gt;" : "&quot;");
}
