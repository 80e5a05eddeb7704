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

/** Refuses POSTs (outside the API) without a valid token from this origin. */
export function csrfProtection(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "POST" || c.req.path.startsWith("/api/")) return next();
    if (!sameOrigin(c)) throw new CsrfError("the form was sent from another site");
    const type = c.req.header("content-type") ?? "";
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
      throw new CsrfError("not a form submission");
    }
    // Parsing a form costs time per field: a body of 50,000 fields would cost
    // an anonymous sender ~50 ms of CPU before the token is even checked.
    if (/^application\/x-www-form-urlencoded/i.test(type)) {
      const fields = (await c.req.text()).split("&").length;
      if (fields > MAX_FORM_FIELDS) return c.text(`A form may have at most ${MAX_FORM_FIELDS} fields.`, 413);
    }
    const sent = (await c.req.parseBody())["_csrf"];
    const expected = expectedToken(c);
    const ok = typeof sent === "string" && expected != null && sent.length === expected.length &&
      timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
    if (!ok) throw new CsrfError("the form's security token is missing or out of date");
    await next();
  };
}
