/**
 * A group's staff: its owner (and the instance's admins) appoint and dismiss
 * moderators and mentors, local members or remote people by handle.
 * Moderators federate (Lemmy's `Add` / `Remove` to the moderators
 * collection); mentors are a badge of this instance only, with no powers.
 */
import type { Context } from "@fedify/fedify";
import { findAccountByUsername } from "../db/accounts.ts";
import { findAccountActor, findActorById } from "../db/actors.ts";
import { addGroupStaff, listGroupStaff, removeGroupStaff, staffRole } from "../db/groups.ts";
import { logModeration } from "../db/moderation-log.ts";
import type { Account, Actor, StaffRole } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { resolveHandleOrUri } from "../federation/remote-actors.ts";
import { sendModeratorChange } from "../federation/staff-actions.ts";
import { ValidationError } from "./names.ts";
import { ForbiddenError } from "./posts.ts";

type Ctx = Context<ContextData>;

/** Whether the account may appoint staff in the group: its owner, or an admin (local groups only). */
export async function canManageStaff(ctx: Ctx, account: Account, group: Actor): Promise<boolean> {
  if (!group.local) return false;
  if (account.role === "admin") return true;
  const actor = await findAccountActor(ctx.data.db, account.id);
  return actor != null && await staffRole(ctx.data.db, group.id, actor.id) === "owner";
}

async function manager(ctx: Ctx, account: Account, group: Actor): Promise<{ actor: Actor; role: string }> {
  if (!(await canManageStaff(ctx, account, group))) {
    throw new ForbiddenError("only the group's owner or an instance admin may appoint moderators and mentors");
  }
  const actor = (await findAccountActor(ctx.data.db, account.id))!;
  return { actor, role: await staffRole(ctx.data.db, group.id, actor.id) === "owner" ? "owner" : "admin" };
}

/** A local username, `@name@host` or a URL, as a stored actor. */
export async function findPerson(ctx: Ctx, handle: string): Promise<Actor> {
  const text = handle.trim();
  if (text === "") throw new ValidationError("handle", "give a username, @name@host or an address");
  const localName = /^@?([a-z0-9][a-z0-9_-]*)$/i.exec(text)?.[1]
    ?? new RegExp(`^@?([a-z0-9][a-z0-9_-]*)@${new URL(ctx.origin).host.replace(/\./g, "\\.")}$`, "i").exec(text)?.[1];
  let actor: Actor | undefined;
  if (localName) {
    const account = await findAccountByUsername(ctx.data.db, localName.toLowerCase());
    actor = account && await findAccountActor(ctx.data.db, account.id);
  } else {
    actor = await resolveHandleOrUri(ctx, text).catch(() => undefined);
  }
  if (!actor || actor.type === "Group" || actor.type === "Application") {
    throw new ValidationError("handle", `no person found for “${text}”`);
  }
  return actor;
}

/** Appoints a moderator or mentor (or changes their role). */
export async function appointStaff(ctx: Ctx, account: Account, group: Actor, handle: string, role: unknown) {
  if (role !== "moderator" && role !== "mentor") throw new ValidationError("role", "role must be moderator or mentor");
  const by = await manager(ctx, account, group);
  const person = await findPerson(ctx, handle);
  const db = ctx.data.db;
  const previous = await staffRole(db, group.id, person.id);
  if (previous === "owner") throw new ValidationError("handle", "that person owns the group");
  if (previous === role) return person;
  await addGroupStaff(db, group.id, person.id, role as StaffRole);
  await logModeration(db, {
    group_actor_id: group.id,
    moderator_actor_id: by.actor.id,
    moderator_role: by.role,
    action: role === "moderator" ? "appoint moderator" : "appoint mentor",
    target_actor_id: person.id,
  });
  if (role === "moderator" || previous === "moderator") {
    await sendModeratorChange(ctx, by.actor, group, person, role === "moderator");
  }
  return person;
}

/** Dismisses a moderator or mentor; returns whether they were on the staff. */
export async function dismissStaff(ctx: Ctx, account: Account, group: Actor, actorId: number): Promise<boolean> {
  const by = await manager(ctx, account, group);
  const db = ctx.data.db;
  const person = await findActorById(db, actorId);
  const previous = person && await staffRole(db, group.id, person.id);
  if (!person || !previous) return false;
  if (previous === "owner") throw new ValidationError("actor", "the owner cannot be dismissed");
  await removeGroupStaff(db, group.id, person.id);
  await logModeration(db, {
    group_actor_id: group.id,
    moderator_actor_id: by.actor.id,
    moderator_role: by.role,
    action: previous === "moderator" ? "dismiss moderator" : "dismiss mentor",
    target_actor_id: person.id,
  });
  if (previous === "moderator") await sendModeratorChange(ctx, by.actor, group, person, false);
  return true;
}

export { listGroupStaff };
