/**
 * A remote actor deleted by its own server (Lemmy's delete_user, Mastodon's
 * Delete of a Person), signed by that actor: their content leaves our
 * copies (db/account-data.ts#eraseActorContent) and their profile is
 * cleared.  A local group they belonged to or posted in passes the Delete
 * on to its followers (FEP-1b12), so that every instance following the
 * group forgets them too.
 */
import type { Context } from "@fedify/fedify";
import type { Delete } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { eraseActorContent } from "../../db/account-data.ts";
import { findActorByUri } from "../../db/actors.ts";
import type { Actor } from "../../db/schema.ts";
import type { ContextData } from "../context.ts";
import { redistribute } from "../delivery.ts";
import { RefusedError } from "../store-post.ts";
import type { Via } from "./posts.ts";

const logger = getLogger(["kindred", "federation", "actor-delete"]);

/** Whether a Delete deletes its own actor. */
export function deletesItsActor(del: Delete): boolean {
  return del.actorId != null && del.objectId != null && del.actorId.href === del.objectId.href;
}

export async function onActorDelete(ctx: Context<ContextData>, del: Delete, via: Via = {}): Promise<void> {
  const db = ctx.data.db;
  const actor = await findActorByUri(db, del.actorId!.href);
  if (!actor) return;
  if (actor.local) throw new RefusedError(`${actor.uri} is a local actor`);
  // The local groups that passed on what they said, read before erasure.
  const groups = via.viaGroup ? [] : await localGroupsOf(ctx, actor);
  const posts = await db.transaction().execute(async (trx) => {
    const erased = await eraseActorContent(trx, actor.id);
    await trx.updateTable("actors")
      .set({ name: null, summary_html: null, icon_url: null, url: null, deleted_at: new Date() })
      .where("id", "=", actor.id).execute();
    return erased;
  });
  logger.info("{actor} was deleted by its server; {n} posts tombstoned", { actor: actor.uri, n: posts.length });
  for (const group of groups) await redistribute(ctx, group, del, undefined, actor.uri);
}

async function localGroupsOf(ctx: Context<ContextData>, actor: Actor): Promise<Actor[]> {
  const db = ctx.data.db;
  return await db.selectFrom("actors").selectAll()
    .where("local", "=", true).where("type", "=", "Group")
    .where((eb) =>
      eb.or([
        eb("id", "in", eb.selectFrom("follows").select("followee_id").where("follower_id", "=", actor.id)),
        eb("id", "in", eb.selectFrom("posts").select("group_id").where("author_id", "=", actor.id)),
      ])
    )
    .execute();
}
