/**
 * Redaction of personal data in log records (issue #6, item 6), applied to
 * every record before any sink sees it (src/logging.ts):
 *
 * - properties whose name says what they hold (passwords, tokens, cookies,
 *   session ids, email and IP addresses, post bodies, keys) are replaced by
 *   `[redacted]`, at any depth, and so are the message values that
 *   interpolate them (a refusal's `reason` is kept: operators need it, and
 *   it names URIs and rules, never a post's text);
 * - in every other string (the message, values, error messages and
 *   stacks), email addresses become `[email]`, IPv4 and IPv6 addresses
 *   `[ip]`, and `Bearer …` credentials `Bearer [redacted]`.
 */
import type { LogRecord, Sink } from "@logtape/logtape";

export const REDACTED = "[redacted]";

/** Property names (lower case, without `_` and `-`) whose values are never logged. */
const SENSITIVE_NAMES = new Set([
  "password", "passphrase", "newpassword", "currentpassword", "passwordhash", "hash",
  "token", "accesstoken", "refreshtoken", "apitoken", "bearer", "authorization", "csrf", "csrftoken",
  "cookie", "cookies", "setcookie", "session", "sessionid", "sid", "secret", "privatekey", "jwk",
  "email", "emailaddress", "mail",
  "ip", "ipaddress", "remoteaddress", "remoteaddr", "xforwardedfor", "forwardedfor", "clientip",
  "body", "content", "contenthtml", "html", "source", "text", "summary", "title", "comment",
  // ActivityStreams spellings of the same (Fedify logs whole activities at debug and info):
  // Mastodon's bodies are in contentMap, thread titles and alt texts in name.
  "contentmap", "summarymap", "name", "namemap", "alt", "displayname",
]);

function isSensitiveName(name: string): boolean {
  const key = name.toLowerCase().replace(/[_-]/g, "");
  return SENSITIVE_NAMES.has(key) || key.endsWith("password") || key.endsWith("token") || key.endsWith("secret");
}

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])/g;
// Candidates for IPv6 addresses; `isIpv6` decides (so that "10:30:45" stays).
const IPV6_CANDIDATE = /(?<![\w:.])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

/** A string with email and IP addresses and credentials blanked out. */
export function redactText(text: string): string {
  return text
    .replace(EMAIL, "[email]")
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(IPV4, "[ip]")
    .replace(IPV6_CANDIDATE, (match) => (isIpv6(match) ? "[ip]" : match));
}

function isIpv6(text: string): boolean {
  const compressed = text.split("::");
  if (compressed.length > 2) return false;
  const groups = text.split(":").filter((g) => g !== "");
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return false;
  return compressed.length === 2 ? groups.length <= 7 : groups.length === 8;
}

const MAX_DEPTH = 6;

/** A copy of `value` with sensitive properties and patterns redacted. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (value == null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[…]";
  if (value instanceof Error) {
    const copy = new Error(redactText(value.message));
    copy.name = value.name;
    copy.stack = value.stack ? redactText(value.stack) : undefined;
    return copy;
  }
  if (value instanceof URL) return redactText(value.href);
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Headers) return redactProperties(Object.fromEntries(value), depth + 1);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return redactText(String(value));
  return redactProperties(value as Record<string, unknown>, depth + 1);
}

export function redactProperties(properties: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(properties)) {
    out[key] = isSensitiveName(key) && v != null ? REDACTED : redactValue(v, depth);
  }
  return out;
}

/** The names of a message template's placeholders, in order (`{{` escapes a brace). */
function placeholders(template: string): string[] {
  const names: string[] = [];
  for (const m of template.replace(/\{\{|\}\}/g, "").matchAll(/\{([^{}]*)\}/g)) {
    names.push(m[1].trim().split(/[.[\]]/).filter(Boolean).pop() ?? m[1]);
  }
  return names;
}

export function redactRecord(record: LogRecord): LogRecord {
  const names = typeof record.rawMessage === "string" ? placeholders(record.rawMessage) : [];
  const message = record.message.map((part, i) => {
    if (i % 2 === 0) return typeof part === "string" ? redactText(part) : part;
    const name = names[(i - 1) / 2];
    return name && isSensitiveName(name) && part != null ? REDACTED : redactValue(part);
  });
  return {
    ...record,
    message,
    rawMessage: typeof record.rawMessage === "string" ? redactText(record.rawMessage) : record.rawMessage,
    properties: redactProperties(record.properties),
  };
}

/** Wraps a sink so that it only ever receives redacted records. */
export function redacting(sink: Sink): Sink {
  return (record) => sink(redactRecord(record));
}
