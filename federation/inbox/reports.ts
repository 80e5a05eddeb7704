/**
 * Reports, inbound: `Flag` (Lemmy, Mastodon and Mbin shapes) and Lemmy
 * 1.0's `Resolve` of a Flag.
 *
 * A Flag is kept as a report when it concerns a group here: a post of a
 * local group, a member of a local group it addresses, or one of our own
 * members' posts in a remote group (the author-instance copy another server
 * sends from its instance actor; that one waits for our admins).  Anything
 * else is refused: it is no business of ours.
 */
import type { Context } from "@fedify/fedify";
import type { Activity, Flag } from "@fedify/vocab";
import { findActorById, findActorByUri } from "../../db/actors.ts";
import { closeReport, findReportByUri, insertReport } from "../../db/reports.ts";
import type { Actor, Post } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { htmlToText } from "../html.ts";
import { requireModerator } from "../moderation-authority.ts";
import { resolveActor } from "../remote-actors.ts";
import { reasonOfText } from "../reports.ts";
import { RefusedError } from "../store-post.ts";
import type { Via } from "./posts.ts";

const MAX_OBJECTS = 20;
const MAX_COMMENT = 2000;

export async function onFlag(ctx: Context<ContextData>, flag: Flag, _via: Via = {}): Promise<void> {
  const db = ctx.data.db;
  if (!flag.id || !flag.actorId) throw new RefusedError("a Flag needs an id and an actor");
  if (await findReportByUri(db, flag.id.href)) return;
  const posts: Post[] = [];
  const actors: Actor[] = [];
  // Only what we already know: a report never makes us fetch anything.
  for (const id of flag.objectIds.slice(0, MAX_OBJECTS)) {
    const post = await db.selectFrom("posts").selectAll().where("uri", "=", id.href).executeTakeFirst();
    if (post) posts.push(post);
    const actor = post ? undefined : await findActorByUri(db, id.href);
    if (actor && actor.type !== "Group") actors.push(actor);
  }
  const addressed = [flag.audienceId, ...flag.toIds, ...flag.ccIds].filter((u): u is URL => u != null);
  let group: Actor | undefined;
  for (const uri of addressed) {
    const actor = await findActorByUri(db, uri.href);
    if (actor?.type === "Group" && actor.local) group = actor;
  }
  const post = posts.find((p) => !p.deleted_at) ?? posts[0];
  if (post) {
    if (group && group.id !== post.group_id) throw new RefusedError(`${post.uri} is not in ${group.uri}`);
    group = await findActorById(db, post.group_id);
  }
  const target = post ? await findActorById(db, post.author_id) : actors[0];
  if (!group || !target) throw new RefusedError("the Flag names no post or member of a group here");
  if (!group.local && !target.local) throw new RefusedError(`${group.uri} is not ours and ${target.uri} is not our member`);
  if (!post && !(await concernsGroup(ctx, target, group))) {
    throw new RefusedError(`${target.uri} neither belongs to nor posted in ${group.uri}`);
  }
  const text = htmlToText(flag.content?.toString() ?? flag.summary?.toString() ?? "").trim();
  const reason = reasonOfText(text);
  const reporter = await resolveActor(ctx, flag.actorId);
  if (reporter.blocked_at) throw new RefusedError(`${reporter.uri} is blocked on this instance`);
  await insertReport(db, {
    uri: flag.id.href,
    group_actor_id: group.id,
    post_id: post?.id ?? null,
    target_actor_id: target.id,
    reporter_actor_id: reporter.id,
    reason,
    comment: text.slice(0, MAX_COMMENT),
    priority: reason === "self_harm" ? "high" : "normal",
  });
}

async function concernsGroup(ctx: Context<ContextData>, member: Actor, group: Actor): Promise<boolean> {
  const db = ctx.data.db;
  const follow = await db.selectFrom("follows").select("state")
    .where("follower_id", "=", member.id).where("followee_id", "=", group.id).executeTakeFirst();
  if (follow) return true;
  const post = await db.selectFrom("posts").select("id")
    .where("author_id", "=", member.id).where("group_id", "=", group.id).limit(1).executeTakeFirst();
  return post != null;
}

/**
 * `Resolve` (Lemmy 1.0) of a Flag we hold: a report we sent to a remote
 * group, or one sent to a group here.  Only the report's group, or a
 * moderator it lists, may close it.
 */
export async function onResolve(ctx: Context<ContextData>, resolve: Activity, via: Via = {}): Promise<void> {
  const db = ctx.data.db;
  if (!resolve.actorId || !resolve.objectId) throw new RefusedError("a Resolve needs an actor and an object");
  const report = await findReportByUri(db, resolve.objectId.href);
  if (!report) throw new RefusedError(`no report ${resolve.objectId.href} here`);
  const group = report.group_actor_id == null ? undefined : await findActorById(db, report.group_actor_id);
  if (!group) throw new RefusedError(`the report ${report.uri} has no group`);
  const authority = await requireModerator(ctx.data, group, resolve.actorId, via.viaGroup);
  await closeReport(db, report.id, "resolved", authority.moderator?.id ?? null);
}
