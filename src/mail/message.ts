/**
 * Builds an email (RFC 5322, MIME): multipart/alternative with a plain-text
 * and an HTML part (UTF-8, base64), a UTF-8 subject encoded per RFC 2047,
 * Date, Message-ID, and one-click unsubscribe headers (RFC 2369, RFC 8058).
 */
import { randomBytes } from "node:crypto";

export interface MailMessage {
  /** `Name <address>` or a bare address. */
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** An https (or http) URL that unsubscribes with one POST. */
  unsubscribeUrl?: string;
  date?: Date;
  /** The host of Message-ID. */
  messageIdHost: string;
}

/** An RFC 2047 encoded-word list for a header value, if it needs one. */
export function encodeHeaderWords(value: string): string {
  const clean = value.replace(/[\r\n]+/g, " ");
  if (/^[\x20-\x7e]*$/.test(clean)) return clean;
  // Base64 words of 64 characters (at most 75 allowed), never splitting a character,
  // so that "Subject: " and a word fit in a 78-character line.
  const words: string[] = [];
  let chunk = "";
  for (const ch of clean) {
    if (Buffer.byteLength(chunk + ch) > 39) {
      words.push(chunk);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString("base64")}?=`).join("\r\n ");
}

/** Splits `Name <address>` into its parts. */
export function parseMailbox(mailbox: string): { name: string; address: string } {
  const m = /^\s*(.*?)\s*<([^<>\s]+)>\s*$/.exec(mailbox);
  if (m) return { name: m[1].replace(/^"|"$/g, ""), address: m[2] };
  return { name: "", address: mailbox.trim() };
}

function mailboxHeader(mailbox: string): string {
  const { name, address } = parseMailbox(mailbox);
  if (!name) return address;
  const display = /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\]/g, "")}"` : encodeHeaderWords(name);
  return `${display} <${address}>`;
}

/** RFC 5322 date: "Thu, 26 Nov 2026 07:13:39 +0000". */
function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, "+0000");
}

function base64Lines(text: string): string {
  return Buffer.from(text.replace(/\r?\n/g, "\r\n")).toString("base64").replace(/.{1,76}/g, "$&\r\n");
}

/** The whole message, CRLF line ends, ready for SMTP DATA. */
export function buildMessage(m: MailMessage): string {
  const boundary = `kindred-${randomBytes(12).toString("hex")}`;
  const headers = [
    `From: ${mailboxHeader(m.from)}`,
    `To: ${m.to}`,
    `Subject: ${encodeHeaderWords(m.subject)}`,
    `Date: ${rfc5322Date(m.date ?? new Date())}`,
    `Message-ID: <${randomBytes(16).toString("hex")}@${m.messageIdHost}>`,
    "MIME-Version: 1.0",
    "Auto-Submitted: auto-generated",
    ...(m.unsubscribeUrl
      ? [`List-Unsubscribe: <${m.unsubscribeUrl}>`, "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
      : []),
    `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
  ];
  const part = (type: string, body: string) =>
    [`--${boundary}`, `Content-Type: ${type}; charset=utf-8`, "Content-Transfer-Encoding: base64", "", base64Lines(body)]
      .join("\r\n");
  return [...headers, "", part("text/plain", m.text), part("text/html", m.html), `--${boundary}--`, ""].join("\r\n");
}
