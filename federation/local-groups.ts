/** Finding the local group (row and actor) that a URI names. */
import type { Context } from "@fedify/fedify";
import { findGroupActor } from "../db/actors.ts";
import { findGroupBySlug } from "../db/groups.ts";
import type { Actor, Group } from "../db/schema.ts";
import type { ContextData } from "./context.ts";

export interface LocalGroup {
  group: Group;
  actor: Actor;
}

export async function localGroupByUri(ctx: Context<ContextData>, uri: URL | null): Promise<LocalGroup | undefined> {
  if (!uri) return undefined;
  const parsed = ctx.parseUri(uri);
  if (parsed?.type !== "actor") return undefined;
  return await localGroupBySlug(ctx, parsed.identifier);
}

export async function localGroupBySlug(ctx: Context<ContextData>, slug: string): Promise<LocalGroup | undefined> {
  const group = await findGroupBySlug(ctx.data.db, slug);
  const actor = group && await findGroupActor(ctx.data.db, group.id);
  return group && actor ? { group, actor } : undefined;
}
