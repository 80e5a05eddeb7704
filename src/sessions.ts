/**
 * Browser sessions.  The cookie holds 32 random bytes; the database keeps
 * only their SHA-256, so a leaked table opens no session.  Cookies are
 * HttpOnly, SameSite=Lax, and Secure (with the `__Host-` prefix) when the
 * origin is https.  Nothing about the client (IP, user agent) is stored.
 */
import { markActive } from "../db/account-data.ts";
import { createHash, randomBytes } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { findAccountActor } from "../db/actors.ts";
import { countUnread } from "../db/notifications.ts";
import { deleteSession, findSessionAccount, insertSession } from "../db/sessions.ts";
import type { AppEnv } from "./app-env.ts";

const SESSION_DAYS = 30;

export const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

function secure(c: Context<AppEnv>): boolean {
  return c.var.kindred.origin.protocol === "https:";
}

export function cookieName(c: Context<AppEnv>, base: string): string {
  return secure(c) ? `__Host-${base}` : base;
}

export function cookieOptions(c: Context<AppEnv>, maxAgeSeconds: number) {
  return { httpOnly: true, sameSite: "Lax" as const, secure: secure(c), path: "/", maxAge: maxAgeSeconds };
}

/** Starts a session for the account: a new random id in the cookie, its hash in the table. */
export async function startSession(c: Context<AppEnv>, accountId: number): Promise<void> {
  const previous = getCookie(c, cookieName(c, "kindred_session"));
  if (previous) await deleteSession(c.var.kindred.db, sha256(previous));
  const id = randomBytes(32).toString("base64url");
  const expires = new Date(Date.now() + SESSION_DAYS * 86_400_000);
  await insertSession(c.var.kindred.db, sha256(id), accountId, expires);
  setCookie(c, cookieName(c, "kindred_session"), id, cookieOptions(c, SESSION_DAYS * 86_400));
}

export async function endSession(c: Context<AppEnv>): Promise<void> {
  const id = getCookie(c, cookieName(c, "kindred_session"));
  if (id) await deleteSession(c.var.kindred.db, sha256(id));
  deleteCookie(c, cookieName(c, "kindred_session"), { path: "/", secure: secure(c) });
}

/** The raw session id from the cookie (for deriving the CSRF token). */
export function sessionId(c: Context<AppEnv>): string | undefined {
  return getCookie(c, cookieName(c, "kindred_session"));
}

/** Sets `c.var.viewer` when the request carries a live session. */
export function webSession(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.path.startsWith("/api/")) return next();
    const id = sessionId(c);
    if (id && /^[\w-]{43}$/.test(id)) {
      const db = c.var.kindred.db;
      const account = await findSessionAccount(db, sha256(id));
      const actor = account && await findAccountActor(db, account.id);
      // A suspended account's sessions were ended; this is the second lock.
      if (account && actor && !account.suspended_at) {
        c.set("viewer", { account, actor, unread: await countUnread(db, account.id) });
        await markActive(db, account.id);
      }
    }
    await next();
  };
}
