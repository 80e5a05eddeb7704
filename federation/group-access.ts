/**
 * Who may fetch a local group's content over ActivityPub (issue 6, item 1;
 * docs/FEDERATION.md, "Group visibility"):
 * - a public group's: anyone (the federation policy guard has already
 *   refused excluded servers);
 * - a private group's: only a request with a valid HTTP signature whose key
 *   lives on a server that is a `partner` and has an approved member of the
 *   group; for our members' posts in another server's private group, a
 *   signer that server vouches for (federation/remote-group-access.ts);
 * - a local-only group's: no one.
 * The signer's server is the host of the verified key's id: whoever signs
 * with a key served from a host controls that host.
 */
import type { Context, RequestContext } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { findActorByUri } from "../db/actors.ts";
import { hasApprovedMemberOn } from "../db/follows.ts";
import type { Actor } from "../db/schema.ts";
import type { ContextData } from "./context.ts";
import { addressesPublic } from "./audience.ts";
import { isPartner } from "./instance-policy.ts";
import { remoteGroupAdmits } from "./remote-group-access.ts";

const logger = getLogger(["kindred", "federation", "group-access"]);

export async function mayFetchGroupContent(ctx: RequestContext<ContextData>, group: Actor | undefined): Promise<boolean> {
  if (!group) return true; // nothing to protect: the dispatcher answers 404
  if (group.visibility === "public") return true;
  if (group.visibility === "local") return false;
  const key = await ctx.getSignedKey().catch(() => null);
  const keyId = key?.id;
  // Our own private group: we know its members.  Another server's (our
  // members' posts in it): that server knows (remote-group-access.ts).
  const allowed = keyId != null &&
    (group.local ? await serverHasMember(ctx.data.db, group, keyId) : await remoteGroupAdmits(ctx, group, keyId));
  if (!allowed) {
    logger.info("Refused a fetch of private group {group}'s content (signer {key})", {
      group: group.uri,
      key: keyId?.href ?? "none",
    });
  }
  return allowed;
}

/** Whether the server of `url` is a partner with an approved member of our private group. */
export async function serverHasMember(db: ContextData["db"], group: Actor, url: URL | string): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return await isPartner(db, parsed) && await hasApprovedMemberOn(db, group.id, parsed.host);
}

/** Whether a stored activity's JSON addresses as:Public (`to` or `cc`). */
export function isPublicActivity(json: unknown): boolean {
  if (json == null || typeof json !== "object") return false;
  const { to, cc } = json as { to?: unknown; cc?: unknown };
  const ids = [to, cc].flatMap((v) => Array.isArray(v) ? v : v == null ? [] : [v]).filter((v) => typeof v === "string");
  return addressesPublic(ids as string[]);
}

/** The group a stored activity is about (its `audience`, or its object's). */
function audienceOf(json: unknown): string | undefined {
  if (json == null || typeof json !== "object") return undefined;
  const { audience, object } = json as { audience?: unknown; object?: unknown };
  if (typeof audience === "string") return audience;
  return object != null && typeof object === "object" ? audienceOf(object) : undefined;
}

/**
 * Whether a stored activity (at its id, or in a member's outbox) may be
 * served to this request.  One about a group's content follows the group's
 * visibility now, not the addressing it was sent with: a group made private
 * since then keeps its earlier posts from outsiders too.  Any other
 * activity must have been addressed to the public.
 */
export async function mayServeActivity(ctx: RequestContext<ContextData>, json: unknown): Promise<boolean> {
  const audience = audienceOf(json);
  const group = audience ? await findActorByUri(ctx.data.db, audience) : undefined;
  if (group?.type === "Group" && group.visibility !== "public") {
    return await mayFetchGroupContent(ctx, group);
  }
  return isPublicActivity(json);
}

/** The local group actor at /@{identifier}, if it is a group. */
export async function localGroupAt(ctx: Context<ContextData>, identifier: string): Promise<Actor | undefined> {
  const actor = await findActorByUri(ctx.data.db, ctx.getActorUri(identifier).href);
  return actor?.type === "Group" && actor.local ? actor : undefined;
}
