/**
 * The access log (issue 6, item 8): records an admin's or moderator's read
 * of private content they can see only because of their role, so that the
 * instance's admins and the group's owner can see who read what, when and
 * through which route.  No IP address is kept.  Queries in db/access-log.ts.
 */
import type { Context } from "@fedify/fedify";
import { findAccountActor } from "../db/actors.ts";
import { type AccessLogEntry, listAccessLog, ownedGroupIds, recordAccess } from "../db/access-log.ts";
import { isApprovedMember } from "../db/follows.ts";
import { staffRole } from "../db/groups.ts";
import type { AccessSubject, Account, Actor } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import type { Reader } from "./group-access.ts";
import { canModerate, moderatorRole } from "./membership.ts";
import { ForbiddenError } from "./posts.ts";

type Ctx = Context<ContextData>;

export interface AccessRead {
  subject: AccessSubject;
  subjectId?: number | null;
  /** The request: method and path, e.g. "GET /p/12". */
  route: string;
}

/** The route of a Hono request, as the log shows it (no query string: it may hold search terms). */
export function routeOf(req: { method: string; path: string }): string {
  return `${req.method} ${req.path}`;
}

/** Records a read that only the reader's role allowed (held posts, reports, a member's data). */
export async function logRoleAccess(ctx: Ctx, account: Account, group: Actor | null, read: AccessRead): Promise<void> {
  const actor = await findAccountActor(ctx.data.db, account.id);
  const role = group ? await moderatorRole(ctx, account, actor, group) : account.role === "admin" ? "admin" : "moderator";
  await recordAccess(ctx.data.db, {
    account_id: account.id,
    username: account.username,
    role,
    group_actor_id: group?.id ?? null,
    subject: read.subject,
    subject_id: read.subjectId ?? null,
    route: read.route,
  });
}

/**
 * Whether the reader sees this group's content only because they moderate
 * it or administer the instance: a private group (or a local-only group
 * that needs approval) of which they are not an approved member.
 */
export async function readsByRole(ctx: Ctx, reader: Reader | undefined, group: Actor): Promise<boolean> {
  if (!reader || group.visibility === "public") return false;
  if (group.visibility === "local" && !group.manually_approves_followers) return false;
  if (await isApprovedMember(ctx.data.db, reader.actor.id, group.id)) return false;
  return await canModerate(ctx, reader.account, group);
}

/** Records a read of a private group's threads when only the reader's role allowed it. */
export async function logGroupContentRead(ctx: Ctx, reader: Reader | undefined, group: Actor, read: AccessRead): Promise<void> {
  if (reader && await readsByRole(ctx, reader, group)) await logRoleAccess(ctx, reader.account, group, read);
}

/**
 * Records that a moderator was shown held, rejected or removed posts of
 * others in a thread (one entry for the thread), which only moderators see.
 */
export async function logHiddenPostsRead(
  ctx: Ctx,
  reader: Reader | undefined,
  group: Actor,
  posts: { id: number; author_id: number; review_state: string; removed_at: Date | null; deleted_at?: Date | null }[],
  route: string,
): Promise<void> {
  if (!reader) return;
  const hidden = posts.filter((p) =>
    p.author_id !== reader.actor.id && !p.deleted_at && (p.review_state !== "published" || p.removed_at != null)
  );
  if (hidden.length === 0 || !(await canModerate(ctx, reader.account, group))) return;
  await logRoleAccess(ctx, reader.account, group, { subject: "removed_post", subjectId: hidden[0].id, route });
}

/**
 * The access log for `account`: every entry for an admin; for others, the
 * entries about groups they own.  ForbiddenError when they own none and are
 * not an admin.
 */
export async function accessLogFor(ctx: Ctx, account: Account, groupId?: number): Promise<AccessLogEntry[]> {
  const db = ctx.data.db;
  if (account.role === "admin") return await listAccessLog(db, groupId ? { groupActorIds: [groupId] } : {});
  const actor = await findAccountActor(db, account.id);
  if (!actor) throw new ForbiddenError("the access log is for admins and group owners");
  const owned = await ownedGroupIds(db, actor.id);
  const ids = groupId ? owned.filter((id) => id === groupId) : owned;
  if (owned.length === 0 || (groupId && ids.length === 0)) {
    throw new ForbiddenError("the access log is for admins and group owners");
  }
  return await listAccessLog(db, { groupActorIds: ids });
}

/** Whether the account owns the group (owners see the access log about it). */
export async function ownsGroup(ctx: Ctx, account: Account, group: Actor): Promise<boolean> {
  const actor = await findAccountActor(ctx.data.db, account.id);
  return actor != null && await staffRole(ctx.data.db, group.id, actor.id) === "owner";
}
