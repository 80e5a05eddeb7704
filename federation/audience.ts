/**
 * Who a group's content is addressed to: the one place that decides it
 * (issue 6, item 1).  A public group's content goes to as:Public as Lemmy
 * addresses it; a private group's only to the group and its followers
 * (Lemmy 1.0's private communities), never to as:Public.  Local-only groups
 * send nothing at all (delivery.ts), so their addressing never leaves.
 */
import { PUBLIC_COLLECTION } from "@fedify/vocab";
import type { PostView } from "../db/posts.ts";
import type { GroupVisibility } from "../db/schema.ts";

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

/** Whether an activity's or object's addressing names as:Public (in any spelling). */
export function addressesPublic(ids: Iterable<URL | string>): boolean {
  for (const id of ids) {
    const s = typeof id === "string" ? id : id.href;
    if (s === PUBLIC_COLLECTION.href || s === "as:Public" || s === "Public") return true;
  }
  return false;
}
