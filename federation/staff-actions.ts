/**
 * What moderators send: bans (`Block` / `Undo(Block)`, Lemmy's form) and
 * appointing or dismissing moderators (`Add` / `Remove` to the group's
 * moderators collection).  In a local group the moderator's activity is
 * kept and announced by the group to its followers; in a remote group it
 * goes to the group, which announces it (and we apply it when it does).
 */
import type { Context } from "@fedify/fedify";
import { type Activity, Add, Block, Remove, Undo } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import type { Actor } from "../db/schema.ts";
import { groupAudience } from "./audience.ts";
import type { ContextData } from "./context.ts";
import { newActivityId, redistribute, remember, sendFrom } from "./delivery.ts";
import { EXTENSION_CONTEXT, withExtensions } from "./json-ld-extensions.ts";

type Ctx = Context<ContextData>;

function addressing(group: Actor) {
  return groupAudience(group, "activity");
}

async function publish(ctx: Ctx, moderator: Actor, group: Actor, activity: Activity): Promise<void> {
  if (group.local) {
    await remember(ctx, moderator, activity);
    await redistribute(ctx, group, activity);
  } else {
    await sendFrom(ctx, moderator, [group], activity);
  }
}

export interface BanActivityInput {
  reason: string | null;
  expiresAt: Date | null;
  removeData: boolean;
}

type Json = Record<string, unknown>;

/**
 * A Block that also writes Lemmy's terms when Fedify serialises it to send
 * (`format: "compact"`, which ignores the cached JSON-LD that
 * `withExtensions` sets for what we serve).  Fedify's clones (for proofs)
 * are made with `this.constructor`, so they keep the terms.
 */
function lemmyBlock(extra: Json): typeof Block {
  return class LemmyBlock extends Block {
    override async toJsonLd(options: Parameters<Block["toJsonLd"]>[0] = {}): Promise<unknown> {
      const json = await super.toJsonLd(options);
      if (options.format !== "compact" || json == null || typeof json !== "object") return json;
      const out = { ...json as Json, ...extra };
      if ("@context" in out) {
        const context = out["@context"];
        out["@context"] = [...(Array.isArray(context) ? context : [context]), EXTENSION_CONTEXT];
      }
      return out;
    }
  };
}

/** The `Block` of a ban, with Lemmy's terms (`removeData`, and `expires` beside `endTime`). */
export async function banActivity(ctx: Ctx, moderator: Actor, group: Actor, target: Actor, input: BanActivityInput) {
  const endTime = input.expiresAt ? Temporal.Instant.fromEpochMilliseconds(input.expiresAt.getTime()) : null;
  const extra: Json = { removeData: input.removeData };
  if (endTime) extra.expires = endTime.toString();
  const LemmyBlock = lemmyBlock(extra);
  const block = new LemmyBlock({
    id: newActivityId(ctx),
    actor: new URL(moderator.uri),
    object: new URL(target.uri),
    target: new URL(group.uri),
    summary: input.reason,
    endTime,
    ...addressing(group),
  });
  return await withExtensions(block, extra, ctx.contextLoader);
}

/** Sends a ban (already recorded, for a local group). Returns the Block's id. */
export async function sendBan(
  ctx: Ctx,
  moderator: Actor,
  group: Actor,
  target: Actor,
  input: BanActivityInput,
): Promise<string> {
  const block = await banActivity(ctx, moderator, group, target, input);
  await publish(ctx, moderator, group, block);
  return block.id!.href;
}

/** Sends the lifting of a ban: `Undo(Block)`. */
export async function sendUnban(ctx: Ctx, moderator: Actor, group: Actor, target: Actor): Promise<void> {
  const block = await banActivity(ctx, moderator, group, target, { reason: null, expiresAt: null, removeData: false });
  const undo = new Undo({ id: newActivityId(ctx), actor: new URL(moderator.uri), object: block, ...addressing(group) });
  await publish(ctx, moderator, group, undo);
}

/** Sends `Add` (appoint) or `Remove` (dismiss) of a moderator. */
export async function sendModeratorChange(
  ctx: Ctx,
  moderator: Actor,
  group: Actor,
  person: Actor,
  appoint: boolean,
): Promise<void> {
  if (!group.moderators_url) return;
  const Type = appoint ? Add : Remove;
  const activity = new Type({
    id: newActivityId(ctx),
    actor: new URL(moderator.uri),
    object: new URL(person.uri),
    target: new URL(group.moderators_url),
    ...addressing(group),
  });
  await publish(ctx, moderator, group, activity);
}
