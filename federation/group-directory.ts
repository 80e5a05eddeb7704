/**
 * Fetching the group directories of the servers we federate with (issue 9,
 * item 1).  Each peer advertises its directory document in NodeInfo
 * (`metadata.groupDirectory`, on its own origin); we fetch it signed by our
 * instance actor, so that a peer applying its federation policy knows who
 * asks.  Every entry is checked: a server may only speak for groups on its
 * own host, and only what we can show safely is kept.
 *
 * Peers: servers with an `allow` or `partner` rule, and servers where one
 * of our members has an accepted follow of a group (never a server that
 * merely follows us); never a server the policy excludes, nobody in closed
 * mode.  One worker at a time refreshes (a lease row, db/directory.ts),
 * renewed and checked before anything is written.  Every fetch is bounded
 * (federation/directory-fetch.ts), and so are each peer and each run.
 */
import type { Context } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import {
  dropEntriesNotRefreshedSince,
  federatedOrigins,
  knownOriginOf,
  lastDirectoryRun,
  listDirectoryPeers,
  markPeerFailed,
  type NewDirectoryEntry,
  releaseDirectoryLease,
  removeDirectoryPeer,
  removePeerEntries,
  replacePeerEntries,
  takeDirectoryLease,
} from "../db/directory.ts";
import {
  type ConditionTag,
  MAX_CONDITION_TAGS,
  MAX_LANGUAGES,
  MAX_TAG_LABEL,
  normaliseConditionCode,
  normaliseLanguage,
} from "../policy/condition-tags.ts";
import type { ContextData } from "./context.ts";
import { DirectoryRefused, fetchDirectoryJson } from "./directory-fetch.ts";
import { cleanError, cleanText, HANDLE_USER } from "./directory-text.ts";
import { loadPolicy, mayFederateWith } from "./instance-policy.ts";

type Ctx = Context<ContextData>;

const logger = getLogger(["kindred", "federation", "directory"]);

/** Where our own directory document is served (src/routes/directory-document.ts). */
export const DIRECTORY_PATH = "/directory.json";
/** The NodeInfo metadata key naming a Kindred directory document. */
export const DIRECTORY_METADATA_KEY = "groupDirectory";
/** Pages and entries we read from one peer. */
const MAX_PAGES = 20;
const MAX_ENTRIES = 2000;
/** Peers read in one refresh: rule domains first, then servers our members follow groups on. */
export const MAX_PEERS = 200;
/** Follow-based peers under one parent domain (`a.example`, `b.example` …: `example`'s last two labels). */
export const PEERS_PER_PARENT_DOMAIN = 5;

/** The last two labels of a host name (an IP address as it is). */
export function parentDomain(hostname: string): string {
  if (/^[\d.]+$/.test(hostname) || hostname.includes(":") || hostname.startsWith("[")) return hostname;
  return hostname.split(".").slice(-2).join(".");
}
/** The highest member count (and posts in 30 days) we believe a peer reports for a group. */
export const MAX_REPORTED_MEMBERS = 1_000_000;
const MAX_REPORTED_POSTS = 1_000_000;
/** A peer whose fetches fail keeps its entries (shown as stale) this long after its last success. */
export const STALE_KEEP_MS = 3 * 24 * 3600_000;
/** The longest a refresh may hold the lease (renewed before each peer's entries are written). */
const LEASE_MS = 15 * 60_000;
/** The longest one peer may take (NodeInfo and every page), and a whole refresh. */
export const PEER_DEADLINE_MS = 60_000;
const RUN_DEADLINE_MS = 10 * 60_000;

export interface PeerResult {
  host: string;
  ok: boolean;
  entries?: number;
  dropped?: number;
  error?: string;
}

export interface RefreshReport {
  /** Another worker held the lease: nothing was done. */
  skipped: boolean;
  peers: PeerResult[];
  /** Peers forgotten (no longer federated with, or excluded by the policy). */
  removed: string[];
}

/** Another worker took the lease over (ours ran out): this run stops writing. */
class LeaseLost extends Error {
  constructor() {
    super("the refresh lease was lost to another worker");
    this.name = "LeaseLost";
  }
}

/**
 * The origins whose directories we read, at most {@link MAX_PEERS}: domains
 * with an `allow`/`partner` rule, then servers where one of our members
 * follows a group (their choice; a server following us is not a peer);
 * deduplicated by host, excluded servers left out.
 */
export async function directoryPeers(ctx: Ctx): Promise<Map<string, string>> {
  const db = ctx.data.db;
  const policy = await loadPolicy(db);
  const peers = new Map<string, string>();
  if (policy.mode === "closed") return peers;
  const { followOrigins, ruleDomains } = await federatedOrigins(db);
  const own = ctx.host;
  for (const domain of ruleDomains) {
    if (peers.has(domain) || domain === own) continue;
    // A rule names no scheme: a known actor's tells, else ours (https in production; plain http only in development).
    const origin = await knownOriginOf(db, domain) ?? `${new URL(ctx.origin).protocol}//${domain}`;
    if (URL.canParse(origin) && new URL(origin).host === domain) peers.set(domain, origin);
  }
  // Most-followed first, and at most a few servers per parent domain: one
  // member joining groups on many throwaway subdomains cannot crowd out the rest.
  const perParent = new Map<string, number>();
  for (const origin of followOrigins) {
    const host = new URL(origin).host;
    if (host === own || peers.has(host)) continue;
    const parent = parentDomain(new URL(origin).hostname);
    const n = perParent.get(parent) ?? 0;
    if (n >= PEERS_PER_PARENT_DOMAIN) continue;
    perParent.set(parent, n + 1);
    peers.set(host, origin);
  }
  for (const [host, origin] of peers) {
    if (!await mayFederateWith(db, origin)) peers.delete(host);
  }
  if (peers.size > MAX_PEERS) {
    logger.warn("{n} servers qualify as directory peers; only the first {max} are read", { n: peers.size, max: MAX_PEERS });
    return new Map([...peers].slice(0, MAX_PEERS));
  }
  return peers;
}

/**
 * Refreshes every peer's entries (or `onlyHost`'s), forgetting peers we no
 * longer federate with.  `holder` names this process for the lease.  Each
 * peer gets {@link PEER_DEADLINE_MS}, the run {@link RUN_DEADLINE_MS}.
 */
export async function refreshDirectory(ctx: Ctx, holder: string, onlyHost?: string): Promise<RefreshReport> {
  const db = ctx.data.db;
  if (!await takeDirectoryLease(db, holder, LEASE_MS)) {
    logger.info("Another worker is refreshing the group directory");
    return { skipped: true, peers: [], removed: [] };
  }
  const run = AbortSignal.timeout(RUN_DEADLINE_MS);
  try {
    const peers = await directoryPeers(ctx);
    const removed: string[] = [];
    for (const stored of await listDirectoryPeers(db)) {
      if (!peers.has(stored.host)) {
        await removeDirectoryPeer(db, stored.host);
        removed.push(stored.host);
        logger.info("Dropped the directory entries of {host}: no longer a server we federate with", { host: stored.host });
      }
    }
    const results: PeerResult[] = [];
    for (const [host, origin] of peers) {
      if (onlyHost != null && host !== onlyHost) continue;
      if (run.aborted) {
        results.push({ host, ok: false, error: "not fetched: the refresh ran out of time" });
        continue;
      }
      const result = await refreshPeer(ctx, holder, host, origin, AbortSignal.any([run, AbortSignal.timeout(PEER_DEADLINE_MS)]));
      if (result == null) {
        logger.warn("The directory refresh lost its lease to another worker; it stops");
        return { skipped: true, peers: results, removed };
      }
      results.push(result);
    }
    await dropEntriesNotRefreshedSince(db, new Date(Date.now() - STALE_KEEP_MS));
    return { skipped: false, peers: results, removed };
  } finally {
    await releaseDirectoryLease(db, holder);
  }
}

/** Before writing: the lease is still ours (renewed), and the policy still lets us list the peer. */
async function mayWrite(ctx: Ctx, holder: string, origin: string): Promise<boolean> {
  if (!await takeDirectoryLease(ctx.data.db, holder, LEASE_MS)) throw new LeaseLost();
  return await mayFederateWith(ctx.data.db, origin);
}

/** One peer's refresh; null when the lease was lost (nothing written). */
async function refreshPeer(ctx: Ctx, holder: string, host: string, origin: string, signal: AbortSignal): Promise<PeerResult | null> {
  const db = ctx.data.db;
  try {
    const { entries, dropped } = await fetchPeerDirectory(ctx, origin, signal);
    if (!await mayWrite(ctx, holder, origin)) {
      // Blocked while we fetched: nothing of it is kept.
      await removeDirectoryPeer(db, host);
      return { host, ok: false, error: "excluded by the federation policy" };
    }
    await replacePeerEntries(db, host, origin, entries);
    logger.info("Directory of {host}: {n} groups ({dropped} entries dropped)", { host, n: entries.length, dropped });
    return { host, ok: true, entries: entries.length, dropped };
  } catch (error) {
    if (error instanceof LeaseLost) return null;
    const message = cleanError(error instanceof Error ? error.message : String(error));
    try {
      if (!await mayWrite(ctx, holder, origin)) {
        await removeDirectoryPeer(db, host);
        return { host, ok: false, error: "excluded by the federation policy" };
      }
    } catch (lost) {
      if (lost instanceof LeaseLost) return null;
      throw lost;
    }
    await markPeerFailed(db, host, origin, message);
    if (error instanceof DirectoryRefused) {
      // The server refuses us (its federation policy) or has no directory any more: its groups go now.
      await removePeerEntries(db, host);
      logger.info("{host} refused our directory fetch ({error}); its entries were removed", { host, error: message });
    } else {
      logger.info("Could not fetch the directory of {host}: {error}", { host, error: message });
    }
    return { host, ok: false, error: message };
  }
}

/** A directory document's entries from `origin`, checked; throws when it cannot be had (or `signal` ends it). */
export async function fetchPeerDirectory(
  ctx: Ctx,
  origin: string,
  signal: AbortSignal = AbortSignal.timeout(PEER_DEADLINE_MS),
): Promise<{ entries: NewDirectoryEntry[]; dropped: number }> {
  const server = new URL(origin);
  // NodeInfo like the pages: capped, timed, no redirects (a `Link` header is not followed); unsigned, it is public.
  const index = await fetchDirectoryJson(ctx, new URL("/.well-known/nodeinfo", server), { signed: false, signal });
  const links = index.links;
  const link = (Array.isArray(links) ? links : [])
    .filter((l) => typeof l?.rel === "string" && /nodeinfo\.diaspora\.software\/ns\/schema\/2\.[01]$/.test(l.rel))
    .map((l) => typeof l.href === "string" && URL.canParse(l.href, server) ? new URL(l.href, server) : null)
    .find((u) => u?.origin === server.origin);
  if (!link) throw new Error("no NodeInfo");
  const nodeInfo = await fetchDirectoryJson(ctx, link, { signed: false, signal });
  const advertised = (nodeInfo as { metadata?: Record<string, unknown> }).metadata?.[DIRECTORY_METADATA_KEY];
  if (typeof advertised !== "string" || !URL.canParse(advertised)) throw new Error("no group directory in its NodeInfo");
  let next: URL | null = new URL(advertised);
  const entries: NewDirectoryEntry[] = [];
  let dropped = 0;
  for (let page = 0; next != null && page < MAX_PAGES && entries.length < MAX_ENTRIES; page++) {
    // The directory must be on the server itself: a server speaks for its own groups only.
    if (next.origin !== server.origin) throw new Error(`directory page on another origin: ${next.origin}`);
    const document = await fetchDirectoryJson(ctx, next, { signed: true, signal });
    const groups = document.groups;
    if (!Array.isArray(groups)) throw new Error("not a group directory (no groups list)");
    for (const item of groups) {
      const entry = checkEntry(item, server);
      if (entry && entries.length < MAX_ENTRIES && !entries.some((e) => e.actor_uri === entry.actor_uri)) entries.push(entry);
      else dropped++;
    }
    const after = document.next;
    next = typeof after === "string" && URL.canParse(after) ? new URL(after) : null;
  }
  return { entries, dropped };
}

function count(value: unknown, max: number): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value < 1e9 ? Math.min(value, max) : 0;
}

/**
 * One entry of a peer's directory, or null when it cannot be taken: an
 * actor URI that is not on the peer's host (a server may only speak for its
 * own groups), or no name.  Tags and languages that are not ours to
 * understand are left out, texts are cut to size.
 */
export function checkEntry(item: unknown, server: URL): NewDirectoryEntry | null {
  if (item == null || typeof item !== "object") return null;
  const e = item as Record<string, unknown>;
  if (typeof e.id !== "string" || !URL.canParse(e.id)) return null;
  const id = new URL(e.id);
  if (id.protocol !== server.protocol || id.host !== server.host) return null;
  const name = cleanText(e.name, 200);
  if (!name) return null;
  const handleMatch = typeof e.handle === "string" ? /^@?([^@\s]{1,100})@([^@\s/]{1,255})$/.exec(e.handle) : null;
  const handle = handleMatch && HANDLE_USER.test(handleMatch[1]) && handleMatch[2].toLowerCase() === server.host.toLowerCase()
    ? `@${handleMatch[1]}@${handleMatch[2]}`
    : id.href;
  const tags: ConditionTag[] = [];
  for (const t of Array.isArray(e.conditionTags) ? e.conditionTags : []) {
    const code = typeof t?.code === "string" ? normaliseConditionCode(t.code) : null;
    if (code && !tags.some((x) => x.code === code) && tags.length < MAX_CONDITION_TAGS) {
      tags.push({ code, label: cleanText(t.label, MAX_TAG_LABEL) ?? "" });
    }
  }
  const languages: string[] = [];
  for (const l of Array.isArray(e.languages) ? e.languages : []) {
    const tag = typeof l === "string" ? normaliseLanguage(l) : null;
    if (tag && !languages.includes(tag) && languages.length < MAX_LANGUAGES) languages.push(tag);
  }
  const last = typeof e.lastActivity === "string" && !Number.isNaN(Date.parse(e.lastActivity))
    ? new Date(e.lastActivity)
    : null;
  return {
    actor_uri: id.href,
    handle,
    name,
    summary: cleanText(e.summary, 500) ?? "",
    condition_tags: tags,
    languages,
    // A server reports its own counts: a sane ceiling keeps a made-up one from topping the directory.
    member_count: count(e.memberCount, MAX_REPORTED_MEMBERS),
    posts_30d: count(e.postsLast30Days, MAX_REPORTED_POSTS),
    // A date in the future is none.
    last_activity_at: last && last.getTime() <= Date.now() + 24 * 3600_000 ? last : null,
    join_policy: e.joinPolicy === "approval" ? "approval" : "open",
    sensitive: e.sensitive === true,
    // Anything but a known audience is "everyone" (a newer server's value, or none).
    audience: e.audience === "patients" || e.audience === "caregivers" ? e.audience : "everyone",
  };
}

/**
 * On worker nodes: refreshes the directory every `hours` (any worker; the
 * lease and the time of the last run, shared in the database, keep it to one
 * run per period however many workers there are).  Checked every few minutes.
 */
export function startDirectoryRefresh(fedify: () => Ctx, signal: AbortSignal, hours: number, checkMs = 5 * 60_000): void {
  if (hours <= 0) return;
  const holder = `worker-${crypto.randomUUID()}`;
  let running = false;
  const tick = async () => {
    if (running || signal.aborted) return;
    running = true;
    try {
      const ctx = fedify();
      const last = await lastDirectoryRun(ctx.data.db);
      if (last == null || Date.now() - last.getTime() >= hours * 3600_000) await refreshDirectory(ctx, holder);
    } catch (error) {
      logger.error("Directory refresh failed: {error}", { error });
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, checkMs);
  signal.addEventListener("abort", () => clearInterval(timer));
}
