/**
 * CSRF protection for the web forms.  Every form carries a `_csrf` hidden
 * field; with a session it is an HMAC of the session id, before logging in
 * an HMAC of a random `kindred_csrf` cookie (double submit).  Every POST
 * outside the API must carry the right token, and an `Origin` or
 * `Sec-Fetch-Site` header, when present, must say the form came from here.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "./app-env.ts";
import { cookieName, cookieOptions, sessionId } from "./sessions.ts";

const derive = (secret: string) => createHmac("sha256", secret).update("kindred-csrf").digest("base64url");

/** The token for forms on this page; sets the pre-login cookie when needed. */
export function csrfToken(c: Context<AppEnv>): string {
  if (c.var.viewer) return derive(sessionId(c)!);
  const name = cookieName(c, "kindred_csrf");
  let secret = getCookie(c, name);
  if (!secret || !/^[\w-]{43}$/.test(secret)) {
    secret = randomBytes(32).toString("base64url");
    setCookie(c, name, secret, cookieOptions(c, 86_400));
  }
  return derive(secret);
}

function expectedToken(c: Context<AppEnv>): string | undefined {
  if (c.var.viewer) return derive(sessionId(c)!);
  const secret = getCookie(c, cookieName(c, "kindred_csrf"));
  return secret ? derive(secret) : undefined;
}

function sameOrigin(c: Context<AppEnv>): boolean {
  const origin = c.req.header("origin");
  if (origin != null && origin !== c.var.kindred.origin.origin) return false;
  const site = c.req.header("sec-fetch-site");
  return site == null || site === "same-origin" || site === "none";
}

export class CsrfError extends Error {
  override name = "CsrfError";
}

/** Our largest form has a few dozen fields. */
export const MAX_FORM_FIELDS = 500;

/** A multipart boundary (RFC 2046: 1 to 70 characters), or undefined. */
function boundaryOf(type: string): string | undefined {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))\s*(?:;|$)/i.exec(type);
  return m ? (m[1] ?? m[2]) : undefined;
}

const HEADER_END = Buffer.from("\r\n\r\n");
const CSRF_PART = /^content-disposition:\s*form-data;\s*name="_csrf"\s*$/im;

/**
 * The `_csrf` field of a multipart body, found without parsing the body: a
 * scan for the boundary (at most `MAX_FORM_FIELDS` parts, or "too many"),
 * then each part's header (its first 1 KB only) read for the field's name.
 * Costs about a millisecond for a megabyte, where parsing 50,000 tiny parts
 * costs hundreds.
 */
export function multipartToken(body: Uint8Array, boundary: string): string | undefined | "too many" {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  const starts: number[] = [];
  for (let at = buf.indexOf(delimiter); at !== -1; at = buf.indexOf(delimiter, at + delimiter.length)) {
    if (starts.length > MAX_FORM_FIELDS) return "too many";
    starts.push(at);
  }
  for (let i = 0; i + 1 < starts.length; i++) {
    const start = starts[i] + delimiter.length + 2; // after the delimiter's CRLF
    const end = starts[i + 1] - 2; // before the CRLF that opens the next delimiter
    // Only within the part's first 1 KB: a search to the body's end for each
    // part would cost 500 × the body (seconds for a few megabytes).
    const found = start < end ? buf.subarray(start, Math.min(end, start + 1024)).indexOf(HEADER_END) : -1;
    if (found === -1) continue;
    const headerEnd = start + found;
    if (!CSRF_PART.test(buf.toString("latin1", start, headerEnd))) continue;
    return end - headerEnd - 4 <= 256 ? buf.toString("utf8", headerEnd + 4, end) : undefined;
  }
  return undefined;
}

/** Refuses POSTs (outside the API) without a valid token from this origin. */
export function csrfProtection(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "POST" || c.req.path.startsWith("/api/")) return next();
    if (!sameOrigin(c)) throw new CsrfError("the form was sent from another site");
    const type = c.req.header("content-type") ?? "";
    const multipart = /^multipart\/form-data/i.test(type);
    if (!multipart && !/^application\/x-www-form-urlencoded/i.test(type)) {
      throw new CsrfError("not a form submission");
    }
    // Without a session or a pre-login cookie no token can be right: refused
    // before the body is read.
    const expected = expectedToken(c);
    if (expected == null) throw new CsrfError("the form's security token is missing or out of date");
    // Parsing a form costs time per field: a body of 50,000 fields would cost
    // ~50 ms of CPU (urlencoded) or far more (multipart) before the token is
    // even checked, and anyone can have a pre-login token.  So the fields are
    // counted, and a multipart token found, without parsing.
    let sent: unknown;
    if (multipart) {
      // Only the compose forms of members are multipart.
      if (!c.var.viewer) throw new CsrfError("only members' forms may carry files");
      const boundary = boundaryOf(type);
      if (!boundary) throw new CsrfError("a multipart form without a valid boundary");
      const found = multipartToken(new Uint8Array(await c.req.arrayBuffer()), boundary);
      if (found === "too many") return c.text(`A form may have at most ${MAX_FORM_FIELDS} fields.`, 413);
      sent = found;
    } else {
      const text = await c.req.text();
      if (text.split("&").length > MAX_FORM_FIELDS) return c.text(`A form may have at most ${MAX_FORM_FIELDS} fields.`, 413);
      sent = (await c.req.parseBody())["_csrf"];
    }
    const given = typeof sent === "string" ? Buffer.from(sent) : undefined;
    const ok = given != null && given.length === expected.length && timingSafeEqual(given, Buffer.from(expected));
    if (!ok) throw new CsrfError("the form's security token is missing or out of date");
    await next();
  };
}
