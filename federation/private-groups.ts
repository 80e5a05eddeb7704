/**
 * A private group's members come only from partner servers (issue 7;
 * docs/FEDERATION.md, "Group visibility"), whenever they joined: a group made
 * private, or a server that stops being a partner, must not keep taking in
 * posts and votes from servers that may no longer read it.  As Lemmy does
 * when a moderator removes a follower of a private community, the group
 * sends the removed follower `Reject(Follow)`: its server drops the
 * membership and tells its member.
 */
import type { Context } from "@fedify/fedify";
import { Reject } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { deleteFollow, isApprovedMember, listRemoteMembers } from "../db/follows.ts";
import type { Actor } from "../db/schema.ts";
import type { ContextData } from "./context.ts";
import { newActivityId, sendFrom } from "./delivery.ts";
import { isPartner } from "./instance-policy.ts";
import { storedFollow } from "./member-actions.ts";

const logger = getLogger(["kindred", "federation", "private-groups"]);

/** The `summary` of the Reject sent to members removed because their server is not a partner. */
export const MADE_PRIVATE_REASON =
  "This support group is now private: only members of servers its instance lists as partners may stay.";

/**
 * Whether `actor` may post or vote in the local group: in a public group
 * anyone (bans aside, checked elsewhere); in a private or local-only one
 * only an approved member, and a remote one only from a partner server.
 */
export async function mayContribute(db: ContextData["db"], actor: Actor, group: Actor): Promise<boolean> {
  if (!group.local || group.visibility === "public") return true;
  if (!(await isApprovedMember(db, actor.id, group.id))) return false;
  return actor.local || (group.visibility === "private" && await isPartner(db, actor.uri));
}

export interface OutsideFollower {
  actor: Actor;
  activityUri: string | null;
}

/**
 * The group's approved remote members on servers that are not partners.
 * Pending requests stay: they get nothing, and the requests page says why
 * they cannot be approved (src/membership.ts#approvalRefusal) until the
 * server is made a partner or the request is rejected.
 */
export async function followersOutsidePartners(db: ContextData["db"], group: Actor): Promise<OutsideFollower[]> {
  const partner = new Map<string, boolean>();
  const outside: OutsideFollower[] = [];
  for (const { activity_uri, ...actor } of await listRemoteMembers(db, group.id)) {
    if (!partner.has(actor.host)) partner.set(actor.host, await isPartner(db, actor.uri));
    if (!partner.get(actor.host)) outside.push({ actor, activityUri: activity_uri });
  }
  return outside;
}

/** Counts by server, largest first: "a.example (3), b.example (1)". */
export function describeServers(followers: OutsideFollower[]): string {
  const counts = new Map<string, number>();
  for (const f of followers) counts.set(f.actor.host, (counts.get(f.actor.host) ?? 0) + 1);
  return [...counts].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).map(([h, n]) => `${h} (${n})`).join(", ");
}

/**
 * Ends the membership of every approved member of a private group on a
 * server that is not a partner, and tells each one with `Reject(Follow)`.
 * Returns those removed.
 */
export async function removeFollowersOutsidePartners(ctx: Context<ContextData>, group: Actor): Promise<OutsideFollower[]> {
  if (!group.local || group.visibility !== "private") return [];
  const outside = await followersOutsidePartners(ctx.data.db, group);
  for (const { actor, activityUri } of outside) {
    await deleteFollow(ctx.data.db, actor.id, group.id);
    const reject = new Reject({
      id: newActivityId(ctx),
      actor: new URL(group.uri),
      object: storedFollow(actor, group, activityUri),
      summary: MADE_PRIVATE_REASON,
    });
    await sendFrom(ctx, group, [actor], reject);
  }
  if (outside.length > 0) {
    logger.info("Private group {group}: removed {count} members on servers that are not partners: {servers}", {
      group: group.uri,
      count: outside.length,
      servers: describeServers(outside),
    });
  }
  return outside;
}
