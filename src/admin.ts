/**
 * What instance admins do (web, API and the `kindred` CLI): suspend local
 * accounts, block remote actors instance-wide, grant the verified-clinician
 * badge.  Suspensions and blocks are not federated: they are this
 * instance's decisions about what it serves and accepts (docs/FEDERATION.md).
 */
import type { Context } from "@fedify/fedify";
import { findAccountByUsername } from "../db/accounts.ts";
import { findAccountActor, findActorById, findActorByUri } from "../db/actors.ts";
import { setBlocked, setClinicianVerified, setSuspended } from "../db/bans.ts";
import { logModeration } from "../db/moderation-log.ts";
import type { Account, Actor } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { resolveHandleOrUri } from "../federation/remote-actors.ts";
import { ValidationError } from "./names.ts";
import { ForbiddenError } from "./posts.ts";

type Ctx = Context<ContextData>;

/** The admin acting (null: the operator at the CLI). */
async function adminActor(ctx: Ctx, by: Account | null): Promise<Actor | null> {
  if (by == null) return null;
  if (by.role !== "admin") throw new ForbiddenError("instance admins only");
  return (await findAccountActor(ctx.data.db, by.id)) ?? null;
}

async function localAccount(ctx: Ctx, username: string): Promise<{ account: Account; actor: Actor }> {
  const account = await findAccountByUsername(ctx.data.db, username.trim().replace(/^@/, "").toLowerCase());
  const actor = account && await findAccountActor(ctx.data.db, account.id);
  if (!account || !actor) throw new ValidationError("username", `no local member "${username}"`);
  return { account, actor };
}

function checkReason(reason: unknown, required: boolean): string {
  const text = typeof reason === "string" ? reason.trim() : "";
  if (required && text === "") throw new ValidationError("reason", "give a reason: the member is told it");
  if (text.length > 500) throw new ValidationError("reason", "reason is longer than 500 characters");
  return text;
}

async function log(ctx: Ctx, admin: Actor | null, action: string, target: Actor, reason = "") {
  await logModeration(ctx.data.db, {
    group_actor_id: null,
    moderator_actor_id: admin?.id ?? null,
    moderator_role: "admin",
    action,
    target_actor_id: target.id,
    reason,
  });
}

/** Suspends (or reinstates) a local account: no log-in, sessions and API tokens end. */
export async function suspendAccount(ctx: Ctx, by: Account | null, username: string, suspend: boolean, reason?: unknown) {
  const admin = await adminActor(ctx, by);
  const text = checkReason(reason, suspend);
  const { account, actor } = await localAccount(ctx, username);
  if (by && account.id === by.id) throw new ValidationError("username", "you cannot suspend yourself");
  if ((account.suspended_at != null) === suspend) return account;
  await setSuspended(ctx.data.db, account.id, text, suspend);
  await log(ctx, admin, suspend ? "suspend account" : "reinstate account", actor, text);
  return account;
}

/** Blocks (or unblocks) a remote actor, by handle, URL or actor id. */
export async function blockActor(ctx: Ctx, by: Account | null, who: string | number, block: boolean, reason?: unknown) {
  const admin = await adminActor(ctx, by);
  const text = checkReason(reason, false);
  let actor: Actor | undefined;
  if (typeof who === "number") actor = await findActorById(ctx.data.db, who);
  else if (!block && /^https?:\/\//.test(who.trim())) actor = await findActorByUri(ctx.data.db, who.trim());
  else actor = await resolveHandleOrUri(ctx, who).catch(() => undefined);
  if (!actor) throw new ValidationError("actor", `no actor found for ${who}`);
  if (actor.local) throw new ValidationError("actor", "local accounts are suspended, not blocked");
  if ((actor.blocked_at != null) === block) return actor;
  await setBlocked(ctx.data.db, actor.id, text || null, block);
  await log(ctx, admin, block ? "block actor" : "unblock actor", actor, text);
  return actor;
}

/**
 * Grants or revokes the verified-clinician badge.  Only the date is kept:
 * nothing about the check the admin made.  Only local accounts: a claim in
 * another server's payload is never read.
 */
export async function verifyClinician(ctx: Ctx, by: Account | null, username: string, verified: boolean) {
  const admin = await adminActor(ctx, by);
  const { account, actor } = await localAccount(ctx, username);
  if ((account.clinician_verified_at != null) === verified) return account;
  await setClinicianVerified(ctx.data.db, account.id, verified);
  await log(ctx, admin, verified ? "verify clinician" : "revoke clinician badge", actor);
  return account;
}
