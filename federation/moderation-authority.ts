/**
 * Who may moderate a group over federation.  A moderation activity (remove,
 * restore, lock, pin, ban, appoint) is honoured only from the group itself
 * (including what the group passes on in its `Announce`: it vouches for its
 * own moderators), or from an actor that the group lists as owner or
 * moderator (for a remote group: its moderators collection, as last fetched).
 */
import { findActorByUri } from "../db/actors.ts";
import { staffRole } from "../db/groups.ts";
import type { Actor } from "../db/schema.ts";
import type { ContextData } from "./context.ts";
import { RefusedError } from "./store-post.ts";

export interface Authority {
  /** The actor who took the action, when Kindred knows them. */
  moderator?: Actor;
  /** For the moderation log: "owner", "moderator" or "remote moderator". */
  role: string;
}

/**
 * Returns the authority of `actorUri` over `group`, or throws RefusedError.
 * `viaGroup` is the group that announced the activity to us, if any.
 */
export async function requireModerator(
  data: ContextData,
  group: Actor,
  actorUri: URL,
  viaGroup?: Actor,
): Promise<Authority> {
  const moderator = await findActorByUri(data.db, actorUri.href);
  if (moderator && moderator.blocked_at) throw new RefusedError(`${actorUri.href} is blocked on this instance`);
  if (viaGroup && viaGroup.id === group.id) {
    return { moderator, role: moderator?.local ? "moderator" : "remote moderator" };
  }
  if (actorUri.href === group.uri) return { moderator, role: "group" };
  const role = moderator ? await staffRole(data.db, group.id, moderator.id) : undefined;
  if (role === "owner" || role === "moderator") {
    return { moderator, role: moderator!.local ? role : `remote ${role}` };
  }
  throw new RefusedError(`${actorUri.href} does not moderate ${group.uri}`);
}
