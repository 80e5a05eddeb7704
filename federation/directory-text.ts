/**
 * Texts a peer's directory gives us, made safe to store (PostgreSQL `jsonb`
 * and `text` reject lone surrogates and NUL) and to show (no control or
 * bidirectional-override characters that could disguise a name).
 */

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
/** Bidi embeddings, overrides, isolates and marks: they can reverse how a name reads. */
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** A surrogate without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `value` with lone surrogates replaced by U+FFFD, controls and bidi controls removed, spaces collapsed. */
export function plainPeerText(value: string): string {
  return value.replace(LONE_SURROGATE, "\ufffd").replace(CONTROL, "").replace(BIDI, "").replace(/\s+/g, " ").trim();
}

/** A peer's text, cleaned and cut to at most `max` code points (an ellipsis marking a cut); null if not a string. */
export function cleanText(value: unknown, max: number): string | null {
  if (typeof value !== "string") return null;
  const points = Array.from(plainPeerText(value));
  return points.length > max ? `${points.slice(0, max - 1).join("")}…` : points.join("");
}

/** The user part of a handle, as a peer may write it: letters, digits, `_ . ~ -`. */
export const HANDLE_USER = /^[A-Za-z0-9_.~-]{1,100}$/;

/** A fetch error as stored and shown to admins: one line, no control characters, at most 500 code points. */
export function cleanError(message: string): string {
  return cleanText(message, 500) ?? "";
}
