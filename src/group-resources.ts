/**
 * A group's pinned resources (issue 5, misinformation tools): links to
 * reliable information that its moderators choose, shown on the group page
 * beside the "needs a source" label they can put on posts.
 */
import type { Context } from "@fedify/fedify";
import { addGroupResource, deleteGroupResource, type GroupResource } from "../db/group-resources.ts";
import { logModeration } from "../db/moderation-log.ts";
import type { Account, Actor } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import { requireLocalModerator } from "./membership.ts";
import { ValidationError } from "./names.ts";

type Ctx = Context<ContextData>;

function text(value: unknown, field: string, max: number, required = true): string {
  if (value == null || (typeof value === "string" && value.trim() === "")) {
    if (required) throw new ValidationError(field, `${field} is required`);
    return "";
  }
  if (typeof value !== "string" || value.trim().length > max) {
    throw new ValidationError(field, `${field} must be text of at most ${max} characters`);
  }
  return value.trim();
}

/** Only http(s) links: a resource never runs script or opens a local file. */
function link(value: unknown): string {
  const url = text(value, "url", 2000);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new ValidationError("url", "the link must be a web address starting with https:// or http://");
  }
  return new URL(url).href;
}

export async function pinResource(ctx: Ctx, account: Account, group: Actor, input: Record<string, unknown>): Promise<GroupResource> {
  const { role, actor } = await requireLocalModerator(ctx, account, group);
  const position = input.position == null || input.position === "" ? 0 : Number(input.position);
  if (!Number.isInteger(position) || position < 0 || position > 1000) {
    throw new ValidationError("position", "position must be a whole number from 0 to 1000");
  }
  const resource = await addGroupResource(ctx.data.db, {
    group_id: group.group_id!,
    title: text(input.title, "title", 200),
    url: link(input.url),
    description: text(input.description, "description", 500, false),
    position,
  });
  await logModeration(ctx.data.db, {
    group_actor_id: group.id,
    moderator_actor_id: actor?.id ?? null,
    moderator_role: role,
    action: "pin_resource",
    reason: `${resource.title} (${resource.url})`,
  });
  return resource;
}

export async function unpinResource(ctx: Ctx, account: Account, group: Actor, id: number): Promise<void> {
  const { role, actor } = await requireLocalModerator(ctx, account, group);
  if (!(await deleteGroupResource(ctx.data.db, group.group_id!, id))) throw new ValidationError("resource", "no such resource");
  await logModeration(ctx.data.db, {
    group_actor_id: group.id,
    moderator_actor_id: actor?.id ?? null,
    moderator_role: role,
    action: "unpin_resource",
  });
}
