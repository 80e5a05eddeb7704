/**
 * Rate limits (issue 7, item 3): sign-up and log-in per client address,
 * failed log-ins per username, posting per address and per account, inbox
 * deliveries per remote server.  Counters live in the database
 * (`db/rate-limits.ts`), so several web processes share them; their keys are
 * HMACs with a daily secret, so no address or username is stored.
 * A refusal is `429` with `Retry-After` (JSON on the API and inboxes, a page
 * on the web: `RateLimitedError` is rendered by the error handlers).
 */
import { createHmac } from "node:crypto";
import { isIP } from "node:net";
import { getLogger } from "@logtape/logtape";
import type { Context, MiddlewareHandler } from "hono";
import type { Kysely } from "kysely";
import { countHit, secretOfTheDay, sweepRateLimits, uncountHit } from "../db/rate-limits.ts";
import type { Schema } from "../db/schema.ts";
import type { AppEnv } from "./app-env.ts";
import type { Limit, RateLimits } from "./config.ts";
import { signatureKeyId } from "./federation-policy-guard.ts";
import { isDefaultInboxPath } from "./inbound-guard.ts";

const logger = getLogger(["kindred", "http", "rate-limit"]);

/** A request over a limit; `retryAfter` is in whole seconds. */
export class RateLimitedError extends Error {
  override name = "RateLimitedError";
  constructor(readonly retryAfter: number) {
    super(`too many requests: please wait ${waitText(retryAfter)} and try again`);
  }
}

function waitText(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

/** One limit to apply: `name` says which, `subject` whose (hashed before it is stored). */
export interface Check {
  name: string;
  subject: string;
  limit: Limit | null;
}

/** Counted requests; `refund` takes them back. */
export interface Taken {
  refund(): Promise<void>;
}

const SECRET_TTL_MS = 60_000;
const SWEEP_INTERVAL_MS = 60_000;

export class RateLimiter {
  #secret?: { secret: string; fetched: number };
  #lastSweep = Date.now();

  constructor(private readonly db: Kysely<Schema>, readonly limits: RateLimits) {}

  async #key(name: string, subject: string): Promise<string> {
    if (!this.#secret || Date.now() - this.#secret.fetched > SECRET_TTL_MS) {
      this.#secret = { secret: (await secretOfTheDay(this.db)).secret, fetched: Date.now() };
    }
    return `${name}:${createHmac("sha256", this.#secret.secret).update(subject).digest("base64url")}`;
  }

  /**
   * Counts the request against every check that has a limit; throws
   * {@link RateLimitedError} (counted all the same) when one is exceeded.
   */
  async take(checks: Check[]): Promise<Taken> {
    const keys: string[] = [];
    let retryAfter = 0;
    for (const check of checks) {
      if (!check.limit) continue;
      const key = await this.#key(check.name, check.subject);
      keys.push(key);
      const hit = await countHit(this.db, key, check.limit.windowSeconds);
      if (hit.hits > check.limit.max) {
        retryAfter = Math.max(retryAfter, Math.max(1, Math.ceil(hit.secondsLeft)));
        logger.info("Rate limit {name} exceeded ({hits} in the window)", { name: check.name, hits: hit.hits });
      }
    }
    this.#sweepNow();
    if (retryAfter > 0) throw new RateLimitedError(retryAfter);
    return { refund: () => Promise.all(keys.map((key) => uncountHit(this.db, key))).then(() => {}) };
  }

  #sweepNow(): void {
    if (Date.now() - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = Date.now();
    sweepRateLimits(this.db).catch((error) => logger.warn("Sweeping rate limits failed: {error}", { error }));
  }
}

/**
 * The client's address, as the key of per-address limits: the socket's
 * peer, or with TRUST_PROXY the last `X-Forwarded-For` entry (the one our
 * own proxy added).  IPv6 addresses count per /64, which one subscriber
 * usually holds whole.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  let address: string | undefined;
  if (trustProxy) {
    address = c.req.header("x-forwarded-for")?.split(",").pop()?.trim();
  }
  if (!address) {
    const env = c.env as { incoming?: { socket?: { remoteAddress?: string } }; remoteAddr?: { hostname?: string } };
    address = env?.incoming?.socket?.remoteAddress ?? env?.remoteAddr?.hostname;
  }
  return address ? addressBlock(address) : "unknown";
}

/** An IPv4 address as is; an IPv6 address as its /64 (IPv4-mapped ones as IPv4). */
export function addressBlock(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (isIP(address) !== 6) return address;
  const [head, tail = ""] = address.toLowerCase().split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = address.includes("::") ? [...headGroups, ...Array(missing).fill("0"), ...tailGroups] : headGroups;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

function limiter(c: Context<AppEnv>): RateLimiter {
  return c.var.kindred.rateLimiter;
}

/** Sign-up: per client address. */
export function takeSignup(c: Context<AppEnv>): Promise<Taken> {
  const { limits } = limiter(c);
  return limiter(c).take([
    { name: "signup-ip", subject: clientAddress(c, limits.trustProxy), limit: limits.signupPerIp },
  ]);
}

/**
 * Log-in, before the password is checked: per client address and per
 * username, whatever the address.  The caller refunds a successful log-in,
 * so only failures add up.
 */
export function takeLogin(c: Context<AppEnv>, username: string): Promise<Taken> {
  const { limits } = limiter(c);
  return limiter(c).take([
    { name: "login-ip", subject: clientAddress(c, limits.trustProxy), limit: limits.loginPerIp },
    { name: "login-account", subject: username.trim().toLowerCase(), limit: limits.loginPerAccount },
  ]);
}

/**
 * Middleware for the routes that publish a new thread, reply or poll (web
 * and API): per client address and per account.  A visitor who is not
 * logged in passes on to the route, which refuses them.
 */
export function postingLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const accountId = c.var.viewer?.account.id ?? c.var.account?.id;
    if (accountId != null) {
      const { limits } = limiter(c);
      await limiter(c).take([
        { name: "post-ip", subject: clientAddress(c, limits.trustProxy), limit: limits.postsPerIp },
        { name: "post-account", subject: String(accountId), limit: limits.postsPerAccount },
      ]);
    }
    await next();
  };
}

/** The JSON answer to a request over a limit. */
export function tooManyRequestsJson(c: Context, error: RateLimitedError): Response {
  return c.json({ error: error.message, retryAfter: error.retryAfter }, 429, {
    "Retry-After": String(error.retryAfter),
  });
}

/**
 * Inbox POSTs per remote server, by the host of the signing key, before
 * the body is read.  Only requests that end up accepted (2xx, which needs a
 * valid signature) count: a bad signature (401) or a body refused before the
 * signature is checked (400, 413, 415) is refunded, so nobody can use up
 * another server's allowance by naming its key.  Unsigned requests pass on
 * to the inbound guard, which refuses them.
 */
export function inboxRateLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "POST" || !isDefaultInboxPath(c.req.path)) return next();
    const limit = limiter(c).limits.inboxPerInstance;
    const keyId = signatureKeyId(c.req.raw.headers);
    if (!limit || keyId == null || !URL.canParse(keyId)) return next();
    let taken: Taken;
    try {
      taken = await limiter(c).take([{ name: "inbox-instance", subject: new URL(keyId).host, limit }]);
    } catch (error) {
      if (error instanceof RateLimitedError) return tooManyRequestsJson(c, error);
      throw error;
    }
    await next();
    if (c.res.status < 200 || c.res.status >= 300) await taken.refund();
  };
}
