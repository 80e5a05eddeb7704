/**
 * A member's posts as an ActivityStreams outbox, for their data export: an
 * `OrderedCollection` of `Create` activities, each with the object as
 * Kindred serves it (federation/objects.ts#servedObject), addressed as it
 * was sent (federation/audience.ts#groupAudience).
 */
import type { Context } from "@fedify/fedify";
import { Create, OrderedCollection } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { findPostView } from "../db/posts.ts";
import type { Actor } from "../db/schema.ts";
import { groupAudience, postGroup } from "./audience.ts";
import type { ContextData } from "./context.ts";
import { plainJsonLd } from "./json-ld-extensions.ts";
import { servedObject } from "./objects.ts";

export async function exportOutbox(ctx: Context<ContextData>, actor: Actor): Promise<unknown> {
  const db = ctx.data.db;
  const rows = await db.selectFrom("posts").select("id")
    .where("author_id", "=", actor.id).where("deleted_at", "is", null).orderBy("id").execute();
  const items: unknown[] = [];
  for (const { id } of rows) {
    const view = (await findPostView(db, { id }))!;
    const object = await servedObject(ctx, view);
    const create = new Create({
      id: new URL(`${view.uri}#create`),
      actor: new URL(actor.uri),
      object,
      published: Temporal.Instant.fromEpochMilliseconds(view.published_at.getTime()),
      // As it was really addressed: a private group's never to as:Public.
      ...groupAudience(postGroup(view), "activity"),
    });
    items.push(await plainJsonLd(create, ctx.contextLoader));
  }
  const collection = new OrderedCollection({ id: new URL(`${actor.uri}#export-outbox`), totalItems: items.length });
  const json = await plainJsonLd(collection, ctx.contextLoader) as Record<string, unknown>;
  // Each item keeps its own @context, so that it reads on its own.
  return { ...json, orderedItems: items };
}
