/**
 * A member's changed profile (display name, bio) goes to the remote groups
 * they belong to, as `Update(Person)`, so that those servers, and the
 * instances that follow those groups, show the new name.
 */
import type { Context } from "@fedify/fedify";
import { PUBLIC_COLLECTION, Update } from "@fedify/vocab";
import { findAccountActor } from "../db/actors.ts";
import { listFollowedRemoteGroups } from "../db/follows.ts";
import type { Account } from "../db/schema.ts";
import { personActor } from "./actors.ts";
import type { ContextData } from "./context.ts";
import { newActivityId, sendFrom } from "./delivery.ts";

export async function sendProfileUpdate(ctx: Context<ContextData>, account: Account): Promise<void> {
  const actor = await findAccountActor(ctx.data.db, account.id);
  if (!actor) return;
  const groups = await listFollowedRemoteGroups(ctx.data.db, actor.id);
  if (groups.length === 0) return;
  const update = new Update({
    id: newActivityId(ctx),
    actor: new URL(actor.uri),
    object: await personActor(ctx, account),
    tos: [PUBLIC_COLLECTION],
  });
  // One ordering key per member: a later change never overtakes an earlier one.
  await sendFrom(ctx, actor, groups, update, actor.uri);
}
