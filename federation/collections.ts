/**
 * A group's collections: followers, outbox, featured (pinned threads) and
 * moderators (Lemmy's `attributedTo` collection).
 */
import type { Context, FederationBuilder, RequestContext } from "@fedify/fedify";
import { Activity, OrderedCollection } from "@fedify/vocab";
import { countOutbox, listOutbox } from "../db/activities.ts";
import { findActorByUri, findGroupActor } from "../db/actors.ts";
import { countFollowers } from "../db/follows.ts";
import { findGroupBySlug, listGroupModerators } from "../db/groups.ts";
import { listPinnedThreadViews } from "../db/posts.ts";
import type { ContextData } from "./context.ts";
import { localGroupAt, mayFetchGroupContent, mayServeActivity, serverHasMember } from "./group-access.ts";
import { servedObject } from "./objects.ts";

function localActor(ctx: Context<ContextData>, identifier: string) {
  return findActorByUri(ctx.data.db, ctx.getActorUri(identifier).href);
}

export function registerCollections(builder: FederationBuilder<ContextData>): void {
  // Who is in a support group is nobody else's business: like Lemmy, the
  // followers collection shows only a count.  Deliveries are addressed from
  // the database (delivery.ts), not from this collection.  A private group
  // answers `?is_follower=URL` (as Lemmy 1.0 does) to the servers that may
  // read it, so that a member's server can tell who else may fetch that
  // member's posts (federation/remote-group-access.ts): 404 unless the
  // server of URL is a partner with an approved member.
  builder
    .setFollowersDispatcher("/@{identifier}/followers", async (ctx, identifier) => {
      // Fedify hands a request's context here, though typed as a plain one.
      const asked = (ctx as Partial<RequestContext<ContextData>>).url?.searchParams.get("is_follower");
      if (asked == null) return { items: [] };
      const group = await localGroupAt(ctx, identifier);
      return group?.visibility === "private" && await serverHasMember(ctx.data.db, group, asked) ? { items: [] } : null;
    })
    .setCounter(async (ctx, identifier) => {
      const actor = await localActor(ctx, identifier);
      return actor ? await countFollowers(ctx.data.db, actor.id) : null;
    })
    .authorize(async (ctx, identifier) => await mayFetchGroupContent(ctx, await localGroupAt(ctx, identifier)));

  // The most recent activities the actor sent (for a group: what it announced).
  builder
    .setOutboxDispatcher("/@{identifier}/outbox", async (ctx, identifier) => {
      const actor = await localActor(ctx, identifier);
      if (!actor) return null;
      let rows = await listOutbox(ctx.data.db, actor.id, 50);
      // A member's outbox lists only what this request may read: their
      // activities in private groups are for those groups' members.
      if (actor.type !== "Group") {
        const shown = await Promise.all(rows.map((r) => mayServeActivity(ctx, r.json)));
        rows = rows.filter((_, i) => shown[i]);
      }
      const items = await Promise.all(rows.map((r) =>
        Activity.fromJsonLd(r.json, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader })
      ));
      return { items };
    })
    .setCounter(async (ctx, identifier) => {
      const actor = await localActor(ctx, identifier);
      return actor ? await countOutbox(ctx.data.db, actor.id) : null;
    })
    .authorize(async (ctx, identifier) => await mayFetchGroupContent(ctx, await localGroupAt(ctx, identifier)));

  // Pinned threads, newest pin first (Lemmy's featured posts).
  builder
    .setFeaturedDispatcher("/@{identifier}/featured", async (ctx, identifier) => {
      const actor = await localActor(ctx, identifier);
      if (actor?.type !== "Group") return { items: [] };
      const posts = await listPinnedThreadViews(ctx.data.db, actor.id);
      return { items: await Promise.all(posts.map((p) => servedObject(ctx, p))) };
    })
    .authorize(async (ctx, identifier) => await mayFetchGroupContent(ctx, await localGroupAt(ctx, identifier)));

  // Lemmy lists moderators as bare actor ids, which Fedify's custom
  // collections cannot express (their items are objects), so the
  // collection is served as an object of its own.
  builder.setObjectDispatcher(
    OrderedCollection,
    "/@{identifier}/moderators",
    async (ctx, values) => {
      const group = await findGroupBySlug(ctx.data.db, values.identifier);
      if (!group) return null;
      const actor = await findGroupActor(ctx.data.db, group.id);
      const moderators = actor ? await listGroupModerators(ctx.data.db, actor.id) : [];
      return new OrderedCollection({
        id: ctx.getObjectUri(OrderedCollection, values),
        totalItems: moderators.length,
        items: moderators.map((m) => new URL(m.uri)),
      });
    },
  ).authorize(async (ctx, values) => await mayFetchGroupContent(ctx, await localGroupAt(ctx, values.identifier)));
}

/** URL of a group's moderators collection. */
export function moderatorsUri(ctx: Context<ContextData>, slug: string): URL {
  return ctx.getObjectUri(OrderedCollection, { identifier: slug });
}
