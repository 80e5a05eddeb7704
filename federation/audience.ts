/**
 * Audiences (issue #6, item 3): a group never passes a post on to more
 * people than its author addressed it to.
 *
 * A group redistributes what it accepts to all its followers, in an
 * `Announce` addressed to the public.  So it may only take in posts whose
 * author addressed them to the public: a followers-only or direct post
 * (Mastodon's "followers only" and "mentioned people only") that names a
 * group is refused, as Lemmy refuses non-public posts to communities, and
 * so is an edit that narrows a post's audience after it was shared.  A
 * reply inherits its thread's audience: threads are public, so a reply
 * that is not public is refused the same way and never reaches the
 * thread's wider readership.
 */
import { type Activity, Create, PUBLIC_COLLECTION, Update } from "@fedify/vocab";
import { RefusedError } from "./refused.ts";

/** What an activity or object is addressed to. */
export interface Addressed {
  readonly toIds: URL[];
  readonly ccIds: URL[];
}

/** `as:Public` as the JSON-LD expansions and the compact forms spell it. */
const PUBLIC_IDS = new Set([PUBLIC_COLLECTION.href, "as:Public", "Public"]);

/** Whether `addressed` is addressed to everyone (`as:Public` in `to` or `cc`). */
export function isPublic(addressed: Addressed): boolean {
  return [...addressed.toIds, ...addressed.ccIds].some((u) => PUBLIC_IDS.has(u.href));
}

function hasAddressing(addressed: Addressed): boolean {
  return addressed.toIds.length + addressed.ccIds.length > 0;
}

/**
 * Refuses a post (and the activity that carries it, if any) that is not
 * addressed to the public: a group would otherwise show it to readers its
 * author did not choose.  An activity without any addressing of its own
 * takes its object's.
 */
export function requirePublic(object: Addressed & { id: URL | null }, activity?: Addressed & { id: URL | null }): void {
  const what = object.id?.href ?? "a post";
  if (!isPublic(object)) {
    throw new RefusedError(`${what} is not public (followers-only or direct); Kindred does not share it in a group`);
  }
  if (activity && hasAddressing(activity) && !isPublic(activity)) {
    throw new RefusedError(`${activity.id?.href ?? "an activity"} carrying ${what} is not public; not shared in a group`);
  }
}

/**
 * The last check before a group announces an activity to its followers:
 * a Create or Update from another server, or the object it carries, that
 * is not addressed to the public is not passed on.  (Local members'
 * activities are addressed by `federation/member-actions.ts`.)
 */
export function withinAudience(activity: Activity, object: Addressed | undefined, origin: string): boolean {
  if (!(activity instanceof Create) && !(activity instanceof Update)) return true;
  if (activity.actorId?.origin === new URL(origin).origin) return true;
  if (hasAddressing(activity) && !isPublic(activity)) return false;
  return object == null || isPublic(object);
}
