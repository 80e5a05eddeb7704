/**
 * Audiences: the one place that decides who a group's content is addressed
 * to, and which posts a group may take in and pass on (issue #6, items 1
 * and 3).
 *
 * - Sending: a public group's content goes to as:Public as Lemmy addresses
 *   it; a private group's only to the group and its followers (Lemmy 1.0's
 *   private communities), never to as:Public.  Local-only groups send
 *   nothing at all (delivery.ts), so their addressing never leaves.
 * - Taking in: a group passes what it accepts on to all its followers, so a
 *   post must be addressed to exactly that audience.  A public group takes
 *   only public posts: a followers-only or direct post (Mastodon's
 *   "followers only" and "mentioned people only") that names a group is
 *   refused, as Lemmy refuses non-public posts to communities, and so is an
 *   edit that narrows a post after it was shared.  A private group takes
 *   only posts addressed to it (or its followers) and not to the public.
 *   A reply inherits its thread's audience: a reply in a public group that
 *   is not public, or one in a private group that is, is refused the same
 *   way.  A local-only group takes nothing from other servers.
 */
import { type Activity, Create, PUBLIC_COLLECTION, Update } from "@fedify/vocab";
import type { PostView } from "../db/posts.ts";
import type { GroupVisibility } from "../db/schema.ts";
import { RefusedError } from "./refused.ts";

/** What addressing needs of a group: its actor row, or a post's group columns. */
export interface AudienceGroup {
  uri: string;
  followers_url: string | null;
  visibility: GroupVisibility;
}

/**
 * - `activity`: a member's or moderator's activity about the group's content
 *   (Create, Update, Delete, votes, moderation): `to` Public, `cc` group.
 * - `thread`: a thread object (`Page`, `Question`): `to` [group, Public].
 * - `reply`: a reply object (`Note`): `to` Public, `cc` group.
 * - `announce`: the group's own Announce or Update: `to` Public, `cc` followers.
 *
 * For a private (or local) group every shape is `to` group, `cc` followers.
 */
export type AudienceShape = "activity" | "thread" | "reply" | "announce";

export interface Addressing {
  tos: URL[];
  ccs: URL[];
  audience: URL;
}

/** The group columns of a post, for addressing. */
export function postGroup(post: PostView): AudienceGroup {
  return { uri: post.group_uri, followers_url: post.group_followers_url, visibility: post.group_visibility };
}

export function isPublicGroup(group: { visibility: GroupVisibility }): boolean {
  return group.visibility === "public";
}

export function groupAudience(group: AudienceGroup, shape: AudienceShape): Addressing {
  const groupId = new URL(group.uri);
  const followers = group.followers_url ? [new URL(group.followers_url)] : [];
  if (!isPublicGroup(group)) return { tos: [groupId], ccs: followers, audience: groupId };
  switch (shape) {
    case "activity":
    case "reply":
      return { tos: [PUBLIC_COLLECTION], ccs: [groupId], audience: groupId };
    case "thread":
      return { tos: [groupId, PUBLIC_COLLECTION], ccs: [], audience: groupId };
    case "announce":
      return { tos: [PUBLIC_COLLECTION], ccs: followers, audience: groupId };
  }
}

/** `as:Public` as the JSON-LD expansions and the compact forms spell it. */
const PUBLIC_IDS = new Set([PUBLIC_COLLECTION.href, "as:Public", "Public"]);

/** Whether an activity's or object's addressing names as:Public (in any spelling). */
export function addressesPublic(ids: Iterable<URL | string>): boolean {
  for (const id of ids) if (PUBLIC_IDS.has(typeof id === "string" ? id : id.href)) return true;
  return false;
}

/** What an activity or object is addressed to. */
export interface Addressed {
  readonly toIds: URL[];
  readonly ccIds: URL[];
}

/** Whether `addressed` is addressed to everyone (`as:Public` in `to` or `cc`). */
export function isPublic(addressed: Addressed): boolean {
  return addressesPublic([...addressed.toIds, ...addressed.ccIds]);
}

function hasAddressing(addressed: Addressed): boolean {
  return addressed.toIds.length + addressed.ccIds.length > 0;
}

/** Whether `addressed` is addressed to exactly the audience the group passes things on to. */
function fitsGroup(group: AudienceGroup, addressed: Addressed): boolean {
  if (isPublicGroup(group)) return isPublic(addressed);
  if (isPublic(addressed)) return false;
  const names = [...addressed.toIds, ...addressed.ccIds].map((u) => u.href);
  return names.includes(group.uri) || (group.followers_url != null && names.includes(group.followers_url));
}

/**
 * Refuses a post for `group` (and the activity that carries it, if any)
 * whose addressing does not fit the group's audience (see above).  An
 * activity without any addressing of its own takes its object's.
 */
export function requireAudience(
  group: AudienceGroup,
  object: Addressed & { id: URL | null },
  activity?: Addressed & { id: URL | null },
): void {
  const what = object.id?.href ?? "a post";
  if (group.visibility === "local") throw new RefusedError(`${group.uri} is local-only; ${what} refused`);
  const wanted = isPublicGroup(group) ? "public" : `addressed to private group ${group.uri} and not to the public`;
  if (!fitsGroup(group, object)) {
    throw new RefusedError(`${what} is not ${wanted}; Kindred does not share it in this group`);
  }
  if (activity && hasAddressing(activity) && !fitsGroup(group, activity)) {
    throw new RefusedError(`${activity.id?.href ?? "an activity"} carrying ${what} is not ${wanted}`);
  }
}

/**
 * The last check before a group announces an activity to its followers:
 * a Create or Update from another server, or the object it carries, whose
 * addressing does not fit the group's audience is not passed on.  (Local
 * members' activities are addressed by `groupAudience`.)
 */
export function withinAudience(
  group: AudienceGroup,
  activity: Activity,
  object: Addressed | undefined,
  origin: string,
): boolean {
  if (!(activity instanceof Create) && !(activity instanceof Update)) return true;
  if (activity.actorId?.origin === new URL(origin).origin) return true;
  if (hasAddressing(activity) && !fitsGroup(group, activity)) return false;
  return object == null || fitsGroup(group, object);
}
