/**
 * Which software a follower's server runs, from its NodeInfo, so that a
 * group sends each server only what it needs: a group-aware server (FEP-1b12:
 * Lemmy, Kindred, Mbin, PieFed) shows a post from `Announce(activity)` alone,
 * while Mastodon and other microblogs need `Announce(object)`, shown as a
 * boost.  A server whose software is unknown gets both, as before.
 */
import { getLogger } from "@logtape/logtape";
import type { DocumentLoader } from "@fedify/vocab";
import type { Kysely } from "kysely";
import { saveInstanceSoftware } from "../db/instance-software.ts";
import type { Schema } from "../db/schema.ts";

const logger = getLogger(["kindred", "federation", "nodeinfo"]);

const GROUP_AWARE = new Set(["kindred", "lemmy", "mbin", "kbin", "piefed"]);

/** Whether a server running `software` (null or undefined: unknown) needs `Announce(object)`. */
export function needsObjectAnnounce(software: string | null | undefined): boolean {
  return software == null || !GROUP_AWARE.has(software);
}

/** A server's software is looked up again after a week. */
export const SOFTWARE_MAX_AGE_MS = 7 * 24 * 3600_000;

const NODEINFO_2 = /^https?:\/\/nodeinfo\.diaspora\.software\/ns\/schema\/2\.[01]$/;
const inFlight = new Set<string>();

/**
 * Reads a server's NodeInfo and remembers its software (null when it has
 * none we can read).  Only a NodeInfo document on the server itself is
 * followed; the loader applies our fetch rules (no private addresses,
 * timeouts, size limits).  Never throws.
 */
export async function learnSoftware(db: Kysely<Schema>, loader: DocumentLoader, origin: string): Promise<void> {
  const server = new URL(origin);
  if (inFlight.has(server.host)) return;
  inFlight.add(server.host);
  let software: string | null = null;
  try {
    const { document: index } = await loader(new URL("/.well-known/nodeinfo", server).href);
    const links = (index as { links?: unknown })?.links;
    const link = (Array.isArray(links) ? links : [])
      .filter((l) => typeof l?.rel === "string" && NODEINFO_2.test(l.rel) && typeof l.href === "string")
      .map((l) => new URL(l.href as string, server))
      .filter((u) => u.origin === server.origin)
      .pop();
    if (link) {
      const { document } = await loader(link.href);
      const name = (document as { software?: { name?: unknown } })?.software?.name;
      if (typeof name === "string" && /^[a-z0-9._-]{1,64}$/i.test(name)) software = name.toLowerCase();
    }
  } catch (error) {
    logger.debug("No NodeInfo from {host}: {error}", { host: server.host, error });
  }
  try {
    await saveInstanceSoftware(db, server.host, software);
    logger.debug("{host} runs {software}", { host: server.host, software });
  } catch (error) {
    logger.warn("Could not save the software of {host}: {error}", { host: server.host, error });
  } finally {
    inFlight.delete(server.host);
  }
}

/**
 * Looks up, a few at a time, the servers among `origins` never checked or
 * checked over a week ago (`known`: what the database had on them).
 */
export async function learnSoftwareOf(
  db: Kysely<Schema>,
  loader: DocumentLoader,
  origins: string[],
  known: Map<string, { checkedAt: Date }>,
): Promise<void> {
  const staleBefore = Date.now() - SOFTWARE_MAX_AGE_MS;
  const todo = origins.filter((o) => {
    const k = known.get(new URL(o).host);
    return k == null || k.checkedAt.getTime() < staleBefore;
  }).slice(0, 200);
  for (let i = 0; i < todo.length; i += 4) {
    await Promise.all(todo.slice(i, i + 4).map((o) => learnSoftware(db, loader, o)));
  }
}
