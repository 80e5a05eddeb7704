/**
 * The instance federation policy as the federation code reads it: the mode
 * and domain rules from the database (db/federation-policy.ts), cached per
 * database handle for {@link POLICY_TTL_MS}.  Several web and worker
 * processes share one database, so a change made in one process reaches
 * the others within that time; the process that made it drops its cache at
 * once ({@link invalidatePolicy}).
 */
import type { Kysely } from "kysely";
import { listDomainRules, readFederationMode } from "../db/federation-policy.ts";
import type { Schema } from "../db/schema.ts";
import { actionsFor, type FederationPolicy, mayFederate } from "../policy/federation-rules.ts";

/** How long a process trusts its copy of the policy. */
export const POLICY_TTL_MS = 3000;

const cache = new WeakMap<Kysely<Schema>, { at: number; policy: Promise<FederationPolicy> }>();

/** The current policy (cached). */
export function loadPolicy(db: Kysely<Schema>): Promise<FederationPolicy> {
  const hit = cache.get(db);
  if (hit && Date.now() - hit.at < POLICY_TTL_MS) return hit.policy;
  const policy = (async () => ({
    mode: await readFederationMode(db),
    rules: (await listDomainRules(db)).map((r) => ({ domain: r.domain, action: r.action })),
  }))();
  cache.set(db, { at: Date.now(), policy });
  // A failed read is not cached.
  policy.catch(() => cache.delete(db));
  return policy;
}

/** Drops this process's copy after a change. */
export function invalidatePolicy(db: Kysely<Schema>): void {
  cache.delete(db);
}

function asUrl(url: URL | string): URL | null {
  if (url instanceof URL) return url;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * Whether this instance may exchange anything with the server of `url`
 * (mode and `block`/`allow` rules).  A URL that cannot be parsed is refused.
 */
export async function mayFederateWith(db: Kysely<Schema>, url: URL | string): Promise<boolean> {
  const parsed = asUrl(url);
  return parsed != null && mayFederate(await loadPolicy(db), parsed);
}

/** Whether our groups must not pass on activities from the server of `url` (`limit`). */
export async function isLimited(db: Kysely<Schema>, url: URL | string): Promise<boolean> {
  const parsed = asUrl(url);
  return parsed != null && actionsFor(await loadPolicy(db), parsed).has("limit");
}

/** Whether images and attachments from the server of `url` are dropped (`reject_media`). */
export async function rejectsMedia(db: Kysely<Schema>, url: URL | string): Promise<boolean> {
  const parsed = asUrl(url);
  return parsed != null && actionsFor(await loadPolicy(db), parsed).has("reject_media");
}

/**
 * Whether the server of `url` may receive a private group's content: marked
 * `partner`, and not excluded by the mode or a block (docs/FEDERATION.md,
 * "Group visibility").
 */
export async function isPartner(db: Kysely<Schema>, url: URL | string): Promise<boolean> {
  const parsed = asUrl(url);
  if (parsed == null) return false;
  const policy = await loadPolicy(db);
  return mayFederate(policy, parsed) && actionsFor(policy, parsed).has("partner");
}
