/**
 * The one place that reads the environment.  Everything else receives a
 * typed, validated `Config`.  A bad value stops start-up with a message that
 * names the setting.
 */
import { resolve } from "node:path";

export type NodeType = "web" | "worker" | "all";
export type LogLevel = "trace" | "debug" | "info" | "warning" | "error" | "fatal";

export interface Config {
  /** Public origin, e.g. https://support.example.org (no path). */
  origin: URL;
  port: number;
  host: string;
  /** PostgreSQL URL; undefined means embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** PGLITE_SHARED_BUFFERS: the embedded database's buffer pool, in MB (PostgreSQL's default is 128). */
  pgliteSharedBuffersMb: number;
  databasePoolSize: number;
  logLevel: LogLevel;
  logFormat: "pretty" | "json";
  nodeType: NodeType;
  /** Lets federation reach loopback/private addresses (tests, local runs only). */
  allowPrivateAddress: boolean;
  production: boolean;
  instanceName: string;
  /** Lets search engines index public groups' pages (everything else stays noindex). */
  indexPublicGroups: boolean;
  /** Largest request body accepted on federation endpoints, in bytes. */
  maxBodyBytes: number;
  /** MAX_IMAGE_BYTES: largest image a member may upload (src/image-sanitiser.ts). */
  maxImageBytes: number;
  /** Deepest JSON nesting accepted on federation endpoints. */
  maxJsonDepth: number;
  /** Most JSON values (objects, arrays, scalars, keys) an inbox body may hold. */
  maxJsonNodes: number;
  /** Queue messages one worker process handles at once. */
  queueConcurrency: number;
  /**
   * QUEUE_LEASE_SECONDS: how long a claimed queue message stays hidden from
   * other workers; a worker killed mid-message delays it by this much.
   */
  queueLeaseSeconds: number;
  /**
   * TIME_SCALE (tests only, refused in production): divides the delivery
   * retry schedule and the circuit breaker's delays, so a test can live
   * through "a day" of a peer's outage in seconds.  1 in real use.
   */
  timeScale: number;
  /**
   * Secure mode (authorized fetch): every ActivityPub GET must carry a valid
   * HTTP signature, except actor documents (peers fetch keys from them).
   */
  secureMode: boolean;
  /** MIN_AGE: sign-up asks members to confirm they are at least this old (no birth date is stored). */
  minAge: number;
  /** RETENTION_INACTIVE_DAYS: `kindred retention run` deletes accounts inactive longer; null is off. */
  retentionInactiveDays: number | null;
  /** Rate limits (`RATE_LIMIT_*`); a null limit is off.  See src/rate-limits.ts. */
  rateLimits: RateLimits;
  /** DIRECTORY_REFRESH_HOURS: how often workers fetch the group directories of peers (0: never on their own). */
  directoryRefreshHours: number;
  /** Notifications by email (`SMTP_*`, `DIGEST_*`); see src/email-notifications.ts. */
  mail: MailConfig;
}

export type StartTls = "auto" | "required" | "off";

/** Email settings: without `smtpUrl`, no email is sent (members may still choose). */
export interface MailConfig {
  /** SMTP_URL: smtp://[user:pass@]host[:port] or smtps://… (TLS from the start). */
  smtpUrl: URL | null;
  /** SMTP_FROM: the From address, default `INSTANCE_NAME <noreply@ORIGIN's host>`. */
  from: string;
  /** SMTP_STARTTLS: auto (upgrade when offered), required, off. */
  startTls: StartTls;
  /** DIGEST_HOUR: the hour (0–23) daily and weekly digests go out, in `timeZone`. */
  digestHour: number;
  /** DIGEST_WEEKDAY: the day weekly digests go out, 0 (Sunday) to 6. */
  digestWeekday: number;
  /** DIGEST_TIME_ZONE: an IANA time zone, default UTC. */
  timeZone: string;
  /** DIGEST_INTERVAL_SECONDS: how often worker nodes run the email job; 0: never (run it with the CLI). */
  intervalSeconds: number;
}

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** The email settings; a bad value names its setting. */
export function loadMailConfig(env: Env, origin: URL, instanceName: string): MailConfig {
  const raw = env.SMTP_URL?.trim();
  let smtpUrl: URL | null = null;
  if (raw) {
    if (!URL.canParse(raw)) throw new ConfigError("SMTP_URL", "is not a URL such as smtp://user:pass@mail.example.org:587");
    smtpUrl = new URL(raw);
    if (smtpUrl.protocol !== "smtp:" && smtpUrl.protocol !== "smtps:") {
      throw new ConfigError("SMTP_URL", "must start with smtp:// or smtps://");
    }
    if (!smtpUrl.hostname) throw new ConfigError("SMTP_URL", "names no host");
  }
  const from = env.SMTP_FROM?.trim() || `${instanceName.replace(/["\\\r\n]/g, "")} <noreply@${origin.hostname}>`;
  if (/[\r\n]/.test(from) || !/@[^\s@<>]+>?$/.test(from)) {
    throw new ConfigError("SMTP_FROM", `"${from}" is not an address such as "Kindred <noreply@example.org>"`);
  }
  const weekday = env.DIGEST_WEEKDAY?.trim().toLowerCase() || "monday";
  const digestWeekday = /^[0-6]$/.test(weekday) ? Number(weekday) : WEEKDAYS.indexOf(weekday);
  if (digestWeekday < 0) throw new ConfigError("DIGEST_WEEKDAY", `"${weekday}" is not a day of the week (monday, … or 0–6)`);
  const timeZone = env.DIGEST_TIME_ZONE?.trim() || "UTC";
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone });
  } catch {
    throw new ConfigError("DIGEST_TIME_ZONE", `"${timeZone}" is not a time zone such as Europe/London`);
  }
  return {
    smtpUrl,
    from,
    startTls: oneOf<StartTls>(env, "SMTP_STARTTLS", ["auto", "required", "off"], "auto"),
    digestHour: integer(env, "DIGEST_HOUR", 8, 0, 23),
    digestWeekday,
    timeZone,
    intervalSeconds: integer(env, "DIGEST_INTERVAL_SECONDS", 60, 0, 86_400),
  };
}

/** At most `max` requests per `windowSeconds` (a fixed window, counted in the database). */
export interface Limit {
  max: number;
  windowSeconds: number;
}

export interface RateLimits {
  signupPerIp: Limit | null;
  loginPerIp: Limit | null;
  /** Failed log-ins per username, whatever the address. */
  loginPerAccount: Limit | null;
  postsPerIp: Limit | null;
  postsPerAccount: Limit | null;
  /** Inbox deliveries per remote server (the host of the signing key). */
  inboxPerInstance: Limit | null;
  /** TRUST_PROXY: take the client address from the last X-Forwarded-For entry. */
  trustProxy: boolean;
}

export class ConfigError extends Error {
  constructor(readonly setting: string, message: string) {
    super(`Invalid setting ${setting}: ${message}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw == null || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `"${raw}" is not a whole number`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `${value} is outside ${min}..${max}`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (raw == null || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `"${raw}" is not one of ${allowed.join(", ")}`);
  }
  return raw as T;
}

function boolean(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw == null || raw === "" || raw === "0" || raw === "false" || raw === "no") return false;
  if (raw === "1" || raw === "true" || raw === "yes") return true;
  throw new ConfigError(name, `"${raw}" is not true or false`);
}

/** `N/SECONDS` (at most N per SECONDS), or `off`. */
function limit(env: Env, name: string, fallback: Limit | null): Limit | null {
  const raw = env[name]?.trim().toLowerCase();
  if (raw == null || raw === "") return fallback;
  if (raw === "off") return null;
  const match = /^(\d+)\s*\/\s*(\d+)$/.exec(raw);
  const max = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || max < 1 || max > 1_000_000 || windowSeconds < 1 || windowSeconds > 86_400) {
    throw new ConfigError(name, `"${raw}" is not COUNT/SECONDS (such as 10/900, at most a day) or off`);
  }
  return { max, windowSeconds };
}

/** The rate limits, with defaults meant for a hospital's instance (many members behind one address). */
export function loadRateLimits(env: Env): RateLimits {
  return {
    signupPerIp: limit(env, "RATE_LIMIT_SIGNUP_PER_IP", { max: 20, windowSeconds: 3600 }),
    loginPerIp: limit(env, "RATE_LIMIT_LOGIN_PER_IP", { max: 50, windowSeconds: 900 }),
    loginPerAccount: limit(env, "RATE_LIMIT_LOGIN_PER_ACCOUNT", { max: 10, windowSeconds: 900 }),
    postsPerIp: limit(env, "RATE_LIMIT_POSTS_PER_IP", { max: 200, windowSeconds: 600 }),
    postsPerAccount: limit(env, "RATE_LIMIT_POSTS_PER_ACCOUNT", { max: 30, windowSeconds: 600 }),
    inboxPerInstance: limit(env, "RATE_LIMIT_INBOX_PER_INSTANCE", { max: 1200, windowSeconds: 60 }),
    trustProxy: boolean(env, "TRUST_PROXY"),
  };
}

/** TIME_SCALE: a whole number of at least 1; only outside production. */
function timeScale(env: Env, production: boolean): number {
  const scale = integer(env, "TIME_SCALE", 1, 1, 1_000_000);
  if (scale !== 1 && production) {
    throw new ConfigError("TIME_SCALE", "is for tests only and is refused when NODE_ENV=production");
  }
  return scale;
}

/** Reads and validates the configuration from an environment. */
export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === "production";
  const port = integer(env, "PORT", 3000, 1, 65535);
  const originText = env.ORIGIN?.trim() || `http://localhost:${port}`;
  let origin: URL;
  try {
    origin = new URL(originText);
  } catch {
    throw new ConfigError("ORIGIN", `"${originText}" is not a URL`);
  }
  if (origin.protocol !== "http:" && origin.protocol !== "https:") {
    throw new ConfigError("ORIGIN", "must start with http:// or https://");
  }
  if (origin.pathname !== "/" || origin.search || origin.hash || origin.username) {
    throw new ConfigError("ORIGIN", "must be a bare origin such as https://example.org");
  }
  if (production && origin.protocol !== "https:") {
    throw new ConfigError("ORIGIN", "must use https:// when NODE_ENV=production");
  }
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL", "must start with postgres:// or postgresql://");
  }
  const allowPrivateAddress = boolean(env, "ALLOW_PRIVATE_ADDRESS");
  if (allowPrivateAddress && production) {
    throw new ConfigError(
      "ALLOW_PRIVATE_ADDRESS",
      "is for development and tests only and is refused when NODE_ENV=production",
    );
  }
  const nodeType = oneOf<NodeType>(env, "NODE_TYPE", ["web", "worker", "all"], "all");
  if (nodeType !== "all" && !databaseUrl) {
    throw new ConfigError(
      "NODE_TYPE",
      `"${nodeType}" needs DATABASE_URL: the embedded database serves one process, so run NODE_TYPE=all`,
    );
  }
  const instanceName = env.INSTANCE_NAME?.trim() || "Kindred";
  return {
    origin: new URL(origin.origin),
    port,
    host: env.HOST?.trim() || "0.0.0.0",
    databaseUrl,
    dataDir: resolve(env.DATA_DIR?.trim() || "data"),
    pgliteSharedBuffersMb: integer(env, "PGLITE_SHARED_BUFFERS", 32, 1, 4096),
    databasePoolSize: integer(env, "DATABASE_POOL_SIZE", 10, 1, 1000),
    logLevel: oneOf(env, "LOG_LEVEL", ["trace", "debug", "info", "warning", "error", "fatal"], "info"),
    logFormat: oneOf(env, "LOG_FORMAT", ["pretty", "json"], production ? "json" : "pretty"),
    nodeType,
    allowPrivateAddress,
    production,
    instanceName,
    indexPublicGroups: boolean(env, "INDEX_PUBLIC_GROUPS"),
    maxBodyBytes: integer(env, "MAX_BODY_BYTES", 1024 * 1024, 1024, 100 * 1024 * 1024),
    maxJsonDepth: integer(env, "MAX_JSON_DEPTH", 16, 4, 1000),
    maxImageBytes: integer(env, "MAX_IMAGE_BYTES", 8 * 1024 * 1024, 64 * 1024, 50 * 1024 * 1024),
    maxJsonNodes: integer(env, "MAX_JSON_NODES", 500, 100, 1_000_000),
    queueConcurrency: integer(env, "QUEUE_CONCURRENCY", 8, 1, 256),
    queueLeaseSeconds: integer(env, "QUEUE_LEASE_SECONDS", 300, 1, 86_400),
    timeScale: timeScale(env, production),
    secureMode: boolean(env, "SECURE_MODE"),
    minAge: integer(env, "MIN_AGE", 16, 13, 21),
    retentionInactiveDays: env.RETENTION_INACTIVE_DAYS?.trim()
      ? integer(env, "RETENTION_INACTIVE_DAYS", 0, 30, 36500)
      : null,
    rateLimits: loadRateLimits(env),
    mail: loadMailConfig(env, origin, instanceName),
    directoryRefreshHours: integer(env, "DIRECTORY_REFRESH_HOURS", 6, 0, 24 * 30),
  };
}
