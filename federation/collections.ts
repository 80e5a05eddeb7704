/**
 * A group's collections: followers, outbox, featured (pinned threads) and
 * moderators (Lemmy's `attributedTo` collection).
 */
import type { Context, FederationBuilder } from "@fedify/fedify";
import { OrderedCollection } from "@fedify/vocab";
import { findGroupBySlug, listGroupModerators } from "../db/groups.ts";
import type { ContextData } from "./context.ts";

export function registerCollections(builder: FederationBuilder<ContextData>): void {
  // Follows arrive with group federation (issue #3); until then every
  // collection is empty but already has its final URL and shape.
  builder
    .setFollowersDispatcher("/@{identifier}/followers", () => ({ items: [] }))
    .setCounter(() => 0);

  builder
    .setOutboxDispatcher("/@{identifier}/outbox", () => ({ items: [] }))
    .setCounter(() => 0);

  builder
    .setFeaturedDispatcher("/@{identifier}/featured", () => ({ items: [] }));

  // Lemmy lists moderators as bare actor ids, which Fedify's custom
  // collections cannot express (their items are objects), so the
  // collection is served as an object of its own.
  builder.setObjectDispatcher(
    OrderedCollection,
    "/@{identifier}/moderators",
    async (ctx, values) => {
      const group = await findGroupBySlug(ctx.data.db, values.identifier);
      if (!group) return null;
      const names = await listGroupModerators(ctx.data.db, group.id);
      return new OrderedCollection({
        id: ctx.getObjectUri(OrderedCollection, values),
        totalItems: names.length,
        items: names.map((name) => ctx.getActorUri(name)),
      });
    },
  );
}

/** URL of a group's moderators collection. */
export function moderatorsUri(ctx: Context<ContextData>, slug: string): URL {
  return ctx.getObjectUri(OrderedCollection, { identifier: slug });
}
