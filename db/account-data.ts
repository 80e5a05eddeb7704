/**
 * Everything of one member: read for their export, erased when they delete
 * their account, and removed from our copies when another instance deletes
 * one of its actors.
 */
import { type Kysely, sql, type Transaction } from "kysely";
import { collectOutcomeData, eraseOutcomeData } from "./outcomes.ts";
import { recount } from "./polls.ts";
import type { Schema } from "./schema.ts";

type Db = Kysely<Schema> | Transaction<Schema>;

/** The JSON part of a member's export (src/data-rights.ts adds the outbox). */
export async function collectAccountData(db: Db, accountId: number, actorId: number) {
  const account = await db.selectFrom("accounts")
    .select(["username", "display_name", "email", "email_verified_at", "role", "bio", "member_type", "created_at", "last_active_at", "clinician_verified_at"])
    .where("id", "=", accountId).executeTakeFirstOrThrow();
  const memberships = await db.selectFrom("follows").innerJoin("actors", "actors.id", "follows.followee_id")
    .select(["actors.uri as group", "actors.name", "follows.state", "follows.created_at", "follows.accepted_at", "follows.member_type"])
    .where("follows.follower_id", "=", actorId).orderBy("follows.created_at").execute();
  const posts = await db.selectFrom("posts").innerJoin("actors as g", "g.id", "posts.group_id")
    .leftJoin("posts as parent", "parent.id", "posts.parent_id")
    .select([
      "posts.id", "posts.uri", "g.uri as group", "parent.uri as in_reply_to", "posts.title", "posts.content_html",
      "posts.source", "posts.summary", "posts.sensitive", "posts.published_at", "posts.updated_at", "posts.deleted_at",
      "posts.removed_at", "posts.review_state",
    ])
    .where("posts.author_id", "=", actorId).orderBy("posts.id").execute();
  const votes = await db.selectFrom("votes").innerJoin("posts", "posts.id", "votes.post_id")
    .select(["posts.uri as post", "votes.value", "votes.created_at"])
    .where("votes.actor_id", "=", actorId).orderBy("votes.created_at").execute();
  const pollVotes = await db.selectFrom("poll_votes").innerJoin("posts", "posts.id", "poll_votes.post_id")
    .innerJoin("poll_options as o", (j) => j.onRef("o.post_id", "=", "poll_votes.post_id").onRef("o.position", "=", "poll_votes.position"))
    .select(["posts.uri as poll", "o.name as choice", "poll_votes.created_at"])
    .where("poll_votes.actor_id", "=", actorId).orderBy("poll_votes.created_at").execute();
  const notifications = await db.selectFrom("notifications").leftJoin("posts", "posts.id", "notifications.post_id")
    .select(["notifications.kind", "posts.uri as post", "notifications.created_at", "notifications.read_at", "notifications.emailed_at"])
    .where("notifications.account_id", "=", accountId).orderBy("notifications.id").execute();
  // Reports this member filed; reports about them are the moderators' records.
  const reports = await db.selectFrom("reports").leftJoin("posts", "posts.id", "reports.post_id")
    .select(["posts.uri as post", "reports.reason", "reports.comment", "reports.state", "reports.created_at"])
    .where("reports.reporter_actor_id", "=", actorId).orderBy("reports.id").execute();
  const feedback = await db.selectFrom("feedback").innerJoin("actors as g", "g.id", "feedback.group_actor_id")
    .select(["g.uri as group", "feedback.category", "feedback.body", "feedback.created_at"])
    .where("feedback.author_actor_id", "=", actorId).orderBy("feedback.id").execute();
  const consents = await db.selectFrom("consents")
    .select(["guidelines_version", "given_at", "withdrawn_at"])
    .where("account_id", "=", accountId).orderBy("id").execute();
  // The member's own uploads, as stored (already re-encoded, no metadata), in base64.
  const images = await db.selectFrom("media").innerJoin("posts", "posts.id", "media.post_id")
    .select([
      "posts.uri as post", "media.position", "media.content_type", "media.width", "media.height", "media.alt",
      "media.created_at", sql<string>`translate(encode(media.data, 'base64'), E'\n', '')`.as("base64"),
    ])
    .where("media.owner_id", "=", actorId).where("media.data", "is not", null)
    .orderBy("media.post_id").orderBy("media.position").execute();
  // Questionnaire consents and answers (outcome measures): the member's alone.
  const outcomes = await collectOutcomeData(db, accountId);
  // Email choices (the unsubscribe token is a credential, not data about the member).
  const emailSettings = await db.selectFrom("email_settings")
    .select(["frequency", "email_replies", "email_membership", "email_moderation", "email_staff", "show_details", "since", "last_sent_at"])
    .where("account_id", "=", accountId).executeTakeFirst() ?? null;
  // An address waiting for its confirmation link (the token's hash is a credential, left out).
  const pendingEmail = await db.selectFrom("email_confirmations").select(["email", "created_at", "expires_at"])
    .where("account_id", "=", accountId).executeTakeFirst() ?? null;
  return {
    account,
    memberships,
    posts,
    votes,
    pollVotes,
    notifications,
    reports,
    feedback,
    consents,
    images,
    outcomes,
    emailSettings,
    pendingEmail,
  };
}

/**
 * Removes an actor's content and traces from our copies: their posts
 * become tombstones (content erased, thread shape kept), their votes and
 * poll choices go (and are recounted), so do their memberships and staff
 * roles; reports they filed lose their reporter, feedback its author.
 * Returns the ids of the posts that were tombstoned now.
 */
export async function eraseActorContent(trx: Transaction<Schema>, actorId: number): Promise<number[]> {
  const now = new Date();
  const posts = await trx.updateTable("posts")
    .set({ deleted_at: now, title: null, content_html: "", source: null, summary: null, url: null })
    .where("author_id", "=", actorId).where("deleted_at", "is", null)
    .returning("id").execute();
  const voted = await trx.deleteFrom("votes").where("actor_id", "=", actorId).returning("post_id").execute();
  for (const postId of new Set(voted.map((v) => v.post_id))) {
    await trx.updateTable("posts").set({
      like_count: sql`(select count(*) from votes where post_id = ${postId} and value = 1)`,
      dislike_count: sql`(select count(*) from votes where post_id = ${postId} and value = -1)`,
    }).where("id", "=", postId).execute();
  }
  const polled = await trx.deleteFrom("poll_votes").where("actor_id", "=", actorId).returning("post_id").execute();
  // A remote poll's counts are its origin's; only local ones are recounted here.
  const polledIds = [...new Set(polled.map((v) => v.post_id))];
  const localPolls = polledIds.length
    ? await trx.selectFrom("posts").select("id").where("id", "in", polledIds).where("local", "=", true).execute()
    : [];
  for (const { id } of localPolls) await recount(trx, id);
  await trx.deleteFrom("follows").where((eb) => eb.or([eb("follower_id", "=", actorId), eb("followee_id", "=", actorId)])).execute();
  await trx.deleteFrom("group_staff").where("actor_id", "=", actorId).execute();
  await trx.updateTable("reports").set({ reporter_actor_id: null }).where("reporter_actor_id", "=", actorId).execute();
  await trx.updateTable("feedback").set({ author_actor_id: null }).where("author_actor_id", "=", actorId).execute();
  return posts.map((p) => p.id);
}

/**
 * Erases a local account: its content (eraseActorContent), then its
 * sessions, tokens, notifications, consents and profile.  The row stays
 * with its name (never reused) and the actor's signing keys, which sign
 * the Deletes still to be delivered.
 */
export async function eraseLocalAccount(trx: Transaction<Schema>, accountId: number, actorId: number): Promise<number[]> {
  const posts = await eraseActorContent(trx, actorId);
  await trx.deleteFrom("sessions").where("account_id", "=", accountId).execute();
  await trx.deleteFrom("api_tokens").where("account_id", "=", accountId).execute();
  await trx.deleteFrom("notifications").where("account_id", "=", accountId).execute();
  await trx.deleteFrom("consents").where("account_id", "=", accountId).execute();
  await eraseOutcomeData(trx, accountId);
  await trx.deleteFrom("email_settings").where("account_id", "=", accountId).execute();
  await trx.deleteFrom("email_confirmations").where("account_id", "=", accountId).execute();
  await trx.updateTable("accounts").set({
    display_name: "",
    email: null,
    email_verified_at: null,
    password_hash: null,
    bio: "",
    member_type: null,
    clinician_verified_at: null,
    deleted_at: new Date(),
  }).where("id", "=", accountId).execute();
  await trx.updateTable("actors").set({ name: null, summary_html: null, icon_url: null, member_type: null })
    .where("id", "=", actorId).execute();
  return posts;
}

/**
 * Notes that a member used their account (for RETENTION_INACTIVE_DAYS);
 * written at most once an hour, so that reading pages stays read-only.
 */
export async function markActive(db: Db, accountId: number): Promise<void> {
  await db.updateTable("accounts").set({ last_active_at: sql`now()` })
    .where("id", "=", accountId).where("last_active_at", "<", sql<Date>`now() - interval '1 hour'`).execute();
}

/** Live member accounts (not admins) unused for more than `days` days. */
export function listInactiveAccounts(db: Db, days: number) {
  return db.selectFrom("accounts").selectAll()
    .where("deleted_at", "is", null).where("role", "=", "member")
    .where("last_active_at", "<", sql<Date>`now() - ${`${days} days`}::interval`)
    .orderBy("id").execute();
}
