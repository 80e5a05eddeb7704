/**
 * Who may fetch a local group's content over ActivityPub (issue 6, item 1;
 * docs/FEDERATION.md, "Group visibility"):
 * - a public group's: anyone (the federation policy guard has already
 *   refused excluded servers);
 * - a private group's: only a request with a valid HTTP signature whose key
 *   lives on a server that is a `partner` and has an approved member of the
 *   group;
 * - a local-only group's: no one.
 * The signer's server is the host of the verified key's id: whoever signs
 * with a key served from a host controls that host.
 */
import type { RequestContext } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { findActorByUri } from "../db/actors.ts";
import { hasApprovedMemberOn } from "../db/follows.ts";
import type { Actor } from "../db/schema.ts";
import type { ContextData } from "./context.ts";
import { isPartner } from "./instance-policy.ts";

const logger = getLogger(["kindred", "federation", "group-access"]);

export async function mayFetchGroupContent(ctx: RequestContext<ContextData>, group: Actor | undefined): Promise<boolean> {
  if (!group) return true; // nothing to protect: the dispatcher answers 404
  if (group.visibility === "public") return true;
  if (group.visibility === "local") return false;
  const key = await ctx.getSignedKey().catch(() => null);
  const keyId = key?.id;
  const allowed = keyId != null && await isPartner(ctx.data.db, keyId) &&
    await hasApprovedMemberOn(ctx.data.db, group.id, keyId.host);
  if (!allowed) {
    logger.info("Refused a fetch of private group {group}'s content (signer {key})", {
      group: group.uri,
      key: keyId?.href ?? "none",
    });
  }
  return allowed;
}

/** The local group actor at /@{identifier}, if it is a group. */
export async function localGroupAt(ctx: RequestContext<ContextData>, identifier: string): Promise<Actor | undefined> {
  const actor = await findActorByUri(ctx.data.db, ctx.getActorUri(identifier).href);
  return actor?.type === "Group" && actor.local ? actor : undefined;
}
