/** Member profiles, passwords and per-member facts the web pages show. */
import type { Kysely } from "kysely";
import type { Account, MemberType, Schema } from "./schema.ts";

type Db = Kysely<Schema>;

export interface ProfileFields {
  display_name: string;
  bio: string;
  member_type: MemberType | null;
}

/** Changes the account and the copy in its actor row. */
export async function updateProfile(db: Db, accountId: number, fields: ProfileFields, bioHtml: string): Promise<Account> {
  return await db.transaction().execute(async (trx) => {
    const account = await trx.updateTable("accounts").set(fields)
      .where("id", "=", accountId).returningAll().executeTakeFirstOrThrow();
    await trx.updateTable("actors").set({ name: fields.display_name, summary_html: bioHtml || null, member_type: fields.member_type })
      .where("account_id", "=", accountId).execute();
    return account;
  });
}

/** Sets a new password hash and revokes the account's API tokens and sessions. */
export async function replacePasswordHash(db: Db, accountId: number, hash: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable("accounts").set({ password_hash: hash }).where("id", "=", accountId).execute();
    await trx.deleteFrom("api_tokens").where("account_id", "=", accountId).execute();
    await trx.deleteFrom("sessions").where("account_id", "=", accountId).execute();
  });
}

/** The profile's badge, and its copy on the member's actor (what federates and what pages read). */
export async function setMemberType(db: Db, accountId: number, memberType: MemberType | null): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable("accounts").set({ member_type: memberType }).where("id", "=", accountId).execute();
    await trx.updateTable("actors").set({ member_type: memberType }).where("account_id", "=", accountId).execute();
  });
}

/** An actor's votes on the given posts. */
export async function votesOf(db: Db, actorId: number, postIds: number[]): Promise<Map<number, 1 | -1>> {
  if (postIds.length === 0) return new Map();
  const rows = await db.selectFrom("votes").select(["post_id", "value"])
    .where("actor_id", "=", actorId).where("post_id", "in", postIds).execute();
  return new Map(rows.map((r) => [r.post_id, r.value]));
}

/** Groups (local and remote) an actor belongs to or asked to join. */
export function listMemberships(db: Db, actorId: number) {
  return db.selectFrom("follows")
    .innerJoin("actors as g", "g.id", "follows.followee_id")
    .leftJoin("groups", "groups.id", "g.group_id")
    .select(["g.id", "g.name", "g.username", "g.host", "g.local", "groups.slug", "follows.state"])
    .where("follows.follower_id", "=", actorId).where("g.type", "=", "Group")
    .orderBy("g.name").execute();
}
