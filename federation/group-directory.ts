/**
 * Fetching the group directories of the servers we federate with (issue 9,
 * item 1).  Each peer advertises its directory document in NodeInfo
 * (`metadata.groupDirectory`, on its own origin); we fetch it signed by our
 * instance actor, so that a peer applying its federation policy knows who
 * asks.  Every entry is checked: a server may only speak for groups on its
 * own host, and only what we can show safely is kept.
 *
 * Peers: servers with an `allow` or `partner` rule, and servers of remote
 * actors with an accepted follow to or from a local actor; never a server
 * the policy excludes, nobody in closed mode.  One worker at a time
 * refreshes (a lease row, db/directory.ts).
 */
import { signRequest } from "@fedify/fedify";
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
import { type ContextData, INSTANCE_ACTOR } from "./context.ts";
import { loadPolicy, mayFederateWith } from "./instance-policy.ts";
import { REMOTE_FETCH_TIMEOUT_MS } from "./remote-actors.ts";

type Ctx = Context<ContextData>;

const logger = getLogger(["kindred", "federation", "directory"]);

/** Where our own directory document is served (src/routes/directory-document.ts). */
export const DIRECTORY_PATH = "/directory.json";
/** The NodeInfo metadata key naming a Kindred directory document. */
export const DIRECTORY_METADATA_KEY = "groupDirectory";
/** Largest directory page we read. */
export const MAX_DIRECTORY_BYTES = 2 * 1024 * 1024;
/** Pages and entries we read from one peer. */
const MAX_PAGES = 20;
const MAX_ENTRIES = 2000;
/** A peer whose fetches fail keeps its entries (shown as stale) this long after its last success. */
export const STALE_KEEP_MS = 3 * 24 * 3600_000;
/** The longest a refresh may hold the lease. */
const LEASE_MS = 15 * 60_000;

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

/** The origins whose directories we read: deduplicated by host, excluded servers left out. */
export async function directoryPeers(ctx: Ctx): Promise<Map<string, string>> {
  const db = ctx.data.db;
  const policy = await loadPolicy(db);
  const peers = new Map<string, string>();
  if (policy.mode === "closed") return peers;
  const { followOrigins, ruleDomains } = await federatedOrigins(db);
  const own = ctx.host;
  for (const origin of followOrigins) {
    const host = new URL(origin).host;
    if (host !== own && !peers.has(host)) peers.set(host, origin);
  }
  for (const domain of ruleDomains) {
    if (peers.has(domain) || domain === own) continue;
    // A rule names no scheme: a known actor's tells, else ours (https in production; plain http only in development).
    const origin = await knownOriginOf(db, domain) ?? `${new URL(ctx.origin).protocol}//${domain}`;
    if (URL.canParse(origin) && new URL(origin).host === domain) peers.set(domain, origin);
  }
  for (const [host, origin] of peers) {
    if (!await mayFederateWith(db, origin)) peers.delete(host);
  }
  return peers;
}

/**
 * Refreshes every peer's entries (or `onlyHost`'s), forgetting peers we no
 * longer federate with.  `holder` names this process for the lease.
 */
export async function refreshDirectory(ctx: Ctx, holder: string, onlyHost?: string): Promise<RefreshReport> {
  const db = ctx.data.db;
  if (!await takeDirectoryLease(db, holder, LEASE_MS)) {
    logger.info("Another worker is refreshing the group directory");
    return { skipped: true, peers: [], removed: [] };
  }
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
      results.push(await refreshPeer(ctx, host, origin));
    }
    await dropEntriesNotRefreshedSince(db, new Date(Date.now() - STALE_KEEP_MS));
    return { skipped: false, peers: results, removed };
  } finally {
    await releaseDirectoryLease(db, holder);
  }
}

async function refreshPeer(ctx: Ctx, host: string, origin: string): Promise<PeerResult> {
  try {
    const { entries, dropped } = await fetchPeerDirectory(ctx, origin);
    await replacePeerEntries(ctx.data.db, host, origin, entries);
    logger.info("Directory of {host}: {n} groups ({dropped} entries dropped)", { host, n: entries.length, dropped });
    return { host, ok: true, entries: entries.length, dropped };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await markPeerFailed(ctx.data.db, host, origin, message);
    if (error instanceof DirectoryRefused) {
      // The server refuses us (its federation policy) or has no directory any more: its groups go now.
      await removePeerEntries(ctx.data.db, host);
      logger.info("{host} refused our directory fetch ({error}); its entries were removed", { host, error: message });
    } else {
      logger.info("Could not fetch the directory of {host}: {error}", { host, error: message });
    }
    return { host, ok: false, error: message };
  }
}

/** A peer that answered 401, 403, 404 or 410: it does not let us list its groups (any more). */
export class DirectoryRefused extends Error {
  constructor(status: number) {
    super(`refused: HTTP ${status}`);
    this.name = "DirectoryRefused";
  }
}

/** A directory document's entries from `origin`, checked; throws when it cannot be had. */
export async function fetchPeerDirectory(ctx: Ctx, origin: string): Promise<{ entries: NewDirectoryEntry[]; dropped: number }> {
  const server = new URL(origin);
  // NodeInfo through Fedify's loader: its rules on private addresses apply.
  const { document: index } = await ctx.documentLoader(new URL("/.well-known/nodeinfo", server).href);
  const links = (index as { links?: unknown })?.links;
  const link = (Array.isArray(links) ? links : [])
    .filter((l) => typeof l?.rel === "string" && /nodeinfo\.diaspora\.software\/ns\/schema\/2\.[01]$/.test(l.rel))
    .map((l) => typeof l.href === "string" && URL.canParse(l.href, server) ? new URL(l.href, server) : null)
    .find((u) => u?.origin === server.origin);
  if (!link) throw new Error("no NodeInfo");
  const { document: nodeInfo } = await ctx.documentLoader(link.href);
  const advertised = (nodeInfo as { metadata?: Record<string, unknown> })?.metadata?.[DIRECTORY_METADATA_KEY];
  if (typeof advertised !== "string" || !URL.canParse(advertised)) throw new Error("no group directory in its NodeInfo");
  let next: URL | null = new URL(advertised);
  const entries: NewDirectoryEntry[] = [];
  let dropped = 0;
  for (let page = 0; next != null && page < MAX_PAGES && entries.length < MAX_ENTRIES; page++) {
    // The directory must be on the server itself: a server speaks for its own groups only.
    if (next.origin !== server.origin) throw new Error(`directory page on another origin: ${next.origin}`);
    const document = await signedJson(ctx, next);
    const groups = (document as { groups?: unknown }).groups;
    if (!Array.isArray(groups)) throw new Error("not a group directory (no groups list)");
    for (const item of groups) {
      const entry = checkEntry(item, server);
      if (entry && entries.length < MAX_ENTRIES && !entries.some((e) => e.actor_uri === entry.actor_uri)) entries.push(entry);
      else dropped++;
    }
    const after = (document as { next?: unknown }).next;
    next = typeof after === "string" && URL.canParse(after) ? new URL(after) : null;
  }
  return { entries, dropped };
}

/** GET `url` as JSON, signed by our instance actor, with a timeout and a size cap; no redirects. */
async function signedJson(ctx: Ctx, url: URL): Promise<unknown> {
  const pairs = await ctx.getActorKeyPairs(INSTANCE_ACTOR);
  const pair = pairs.find((p) => p.privateKey.algorithm.name === "RSASSA-PKCS1-v1_5") ?? pairs[0];
  const request = await signRequest(
    new Request(url, { headers: { accept: "application/json", "user-agent": `Kindred (+${ctx.origin})` } }),
    pair.privateKey,
    pair.keyId,
  );
  const response = await fetch(request, { redirect: "manual", signal: AbortSignal.timeout(REMOTE_FETCH_TIMEOUT_MS) });
  if (response.status !== 200) {
    await response.body?.cancel();
    if ([401, 403, 404, 410].includes(response.status)) throw new DirectoryRefused(response.status);
    throw new Error(`HTTP ${response.status}`);
  }
  if (!/^application\/(?:[a-z.+-]*\+)?json\b/i.test(response.headers.get("content-type") ?? "")) {
    await response.body?.cancel();
    throw new Error("not JSON");
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_DIRECTORY_BYTES) {
    await response.body?.cancel();
    throw new Error("directory page too large");
  }
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_DIRECTORY_BYTES) {
      await reader.cancel();
      throw new Error("directory page too large");
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  const document = JSON.parse(new TextDecoder().decode(bytes));
  if (document == null || typeof document !== "object" || Array.isArray(document)) throw new Error("not a JSON object");
  return document;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

function cleanText(value: unknown, max: number): string | null {
  if (typeof value !== "string") return null;
  const text = value.replace(CONTROL, "").replace(/\s+/g, " ").trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value < 1e9 ? value : 0;
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
  const handle = handleMatch && handleMatch[2].toLowerCase() === server.host.toLowerCase()
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
    member_count: count(e.memberCount),
    posts_30d: count(e.postsLast30Days),
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
