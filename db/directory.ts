/**
 * The group directory across instances (issue 9, item 1): the local groups
 * our directory document lists, the groups other servers list in theirs
 * (`directory_entries`, per `directory_peers`), and the lease that lets one
 * worker at a time refresh them.
 */
import { type Expression, type Kysely, type RawBuilder, sql } from "kysely";
import type { ConditionTag, TagQuery } from "../policy/condition-tags.ts";
import { jsonb } from "./json.ts";
import type { DirectoryEntriesTable, DirectoryPeersTable, GroupAudience, Schema } from "./schema.ts";
import type { Selectable } from "kysely";

type Db = Kysely<Schema>;

/** A condition filter on a jsonb `[{ code, label }]` column: a code (ICD-10 categories take their sub-codes) or words of a label. */
export function tagFilter(column: Expression<unknown> | RawBuilder<unknown>, query: TagQuery): RawBuilder<boolean> {
  if (query == null) return sql<boolean>`true`;
  if ("code" in query) {
    const sub = query.code.startsWith("ICD10:") && !query.code.includes(".");
    return sql<boolean>`exists (select 1 from jsonb_array_elements(${column}) t where t->>'code' = ${query.code}${
      sub ? sql` or t->>'code' like ${`${query.code}.%`}` : sql``
    })`;
  }
  const pattern = `%${query.words.replace(/[\\%_]/g, "\\$&")}%`;
  return sql<boolean>`exists (select 1 from jsonb_array_elements(${column}) t where t->>'label' ilike ${pattern})`;
}

/** A language filter on a jsonb list of BCP 47 tags: `pt` also finds `pt-BR`. */
export function languageFilter(column: Expression<unknown> | RawBuilder<unknown>, language: string): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from jsonb_array_elements_text(${column}) l where l = ${language} or l like ${`${language}-%`})`;
}

export interface ListedGroup {
  group_id: number;
  slug: string;
  name: string;
  summary_source: string;
  condition_tags: ConditionTag[];
  languages: string[];
  join_policy: string;
  sensitive: boolean;
  audience: GroupAudience;
  member_count: number;
  posts_30d: number;
  last_activity_at: Date | null;
}

/**
 * The local groups other instances may list: public, listed, by id,
 * `limit` at a time after `after`.  Never a private or local-only group.
 */
export async function listListedGroups(db: Db, options: { after?: number; limit: number }): Promise<ListedGroup[]> {
  // The group's actor through scalar subqueries (actors_group_id unique index), not a join: with
  // every group on one page, the planner would otherwise hash the whole actors table.
  const actor = sql`(select a.id from actors a where a.group_id = groups.id)`;
  let q = db.selectFrom("groups")
    .where("groups.visibility", "=", "public")
    .where("groups.listed_elsewhere", "=", true)
    .select([
      "groups.id as group_id", "groups.slug", "groups.name", "groups.summary_source", "groups.condition_tags",
      "groups.languages", "groups.join_policy", "groups.sensitive", "groups.audience",
    ])
    .select([
      sql<number>`(select a.follower_count from actors a where a.group_id = groups.id)`.as("member_count"),
      sql<number>`(select count(*) from posts p where p.group_id = ${actor} and p.published_at > now() - interval '30 days'
        and p.deleted_at is null and p.removed_at is null and p.review_state = 'published')`.as("posts_30d"),
      sql<Date | null>`(select max(p.published_at) from posts p where p.group_id = ${actor} and p.deleted_at is null
        and p.removed_at is null and p.review_state = 'published')`.as("last_activity_at"),
    ]);
  if (options.after != null) q = q.where("groups.id", ">", options.after);
  const rows = await q.orderBy("groups.id").limit(options.limit).execute();
  return rows.map((r) => ({
    ...r,
    member_count: Number(r.member_count),
    posts_30d: Number(r.posts_30d),
    last_activity_at: r.last_activity_at == null ? null : new Date(r.last_activity_at),
  }));
}

export interface NewDirectoryEntry {
  actor_uri: string;
  handle: string;
  name: string;
  summary: string;
  condition_tags: ConditionTag[];
  languages: string[];
  member_count: number;
  posts_30d: number;
  last_activity_at: Date | null;
  join_policy: string;
  sensitive: boolean;
  audience: GroupAudience;
}

export type DirectoryPeer = Selectable<DirectoryPeersTable>;

/** Our peers, as stored. */
export async function listDirectoryPeers(db: Db): Promise<DirectoryPeer[]> {
  return await db.selectFrom("directory_peers").selectAll().orderBy("host").execute();
}

/** Our peers with how many groups each lists, for the admins' page. */
export async function listDirectoryPeerCounts(db: Db): Promise<(DirectoryPeer & { groups: number })[]> {
  const rows = await db.selectFrom("directory_peers as p")
    .selectAll("p")
    .select(sql<number>`(select count(*) from directory_entries e where e.peer_host = p.host)`.as("groups"))
    .orderBy("p.host").execute();
  return rows.map((r) => ({ ...r, groups: Number(r.groups) }));
}

/** A successful fetch: the peer's entries become exactly `entries`. */
export async function replacePeerEntries(db: Db, host: string, origin: string, entries: NewDirectoryEntry[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto("directory_peers")
      .values({ host, origin, last_attempt_at: new Date(), last_success_at: new Date(), last_error: null })
      .onConflict((oc) =>
        oc.column("host").doUpdateSet({ origin, last_attempt_at: new Date(), last_success_at: new Date(), last_error: null })
      )
      .execute();
    await trx.deleteFrom("directory_entries").where("peer_host", "=", host).execute();
    // An actor listed by two peers (it cannot be: entries are on their peer's host) keeps the first.
    for (let i = 0; i < entries.length; i += 100) {
      await trx.insertInto("directory_entries")
        .values(entries.slice(i, i + 100).map((e) => ({
          ...e,
          peer_host: host,
          condition_tags: jsonb(e.condition_tags),
          languages: jsonb(e.languages),
        })))
        .onConflict((oc) => oc.column("actor_uri").doNothing())
        .execute();
    }
  });
}

/** A failed fetch: the peer's entries stay (shown as stale) until `dropBefore`. */
export async function markPeerFailed(db: Db, host: string, origin: string, error: string): Promise<void> {
  await db.insertInto("directory_peers")
    .values({ host, origin, last_attempt_at: new Date(), last_error: error.slice(0, 500) })
    .onConflict((oc) => oc.column("host").doUpdateSet({ last_attempt_at: new Date(), last_error: error.slice(0, 500) }))
    .execute();
}

/** Drops a peer's entries (it refused us), keeping the peer's row and its error. */
export async function removePeerEntries(db: Db, host: string): Promise<void> {
  await db.deleteFrom("directory_entries").where("peer_host", "=", host).execute();
}

/** Forgets a peer and its entries. */
export async function removeDirectoryPeer(db: Db, host: string): Promise<void> {
  await db.deleteFrom("directory_peers").where("host", "=", host).execute();
}

/** Entries of peers whose last success is older than `before` (or who never succeeded) are dropped; the peers stay. */
export async function dropEntriesNotRefreshedSince(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom("directory_entries")
    .where("peer_host", "in", (eb) =>
      eb.selectFrom("directory_peers").select("host")
        .where((w) => w.or([w("last_success_at", "is", null), w("last_success_at", "<", before)])))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface RemoteDirectoryEntry extends Selectable<DirectoryEntriesTable> {
  /** The peer's last fetch failed: the entry may be out of date. */
  stale: boolean;
  /** The stored remote actor, when we know it already (our members may have joined). */
  actor_id: number | null;
}

/** Groups on other instances for the directory page, most members first. */
export async function searchRemoteEntries(
  db: Db,
  options: { tag?: TagQuery; language?: string; text?: string; limit: number },
): Promise<RemoteDirectoryEntry[]> {
  let q = db.selectFrom("directory_entries as e")
    .innerJoin("directory_peers as p", "p.host", "e.peer_host")
    .leftJoin("actors as a", "a.uri", "e.actor_uri")
    .selectAll("e")
    .select([
      sql<boolean>`p.last_error is not null and (p.last_success_at is null or p.last_attempt_at > p.last_success_at)`
        .as("stale"),
      "a.id as actor_id",
    ])
    // A group we blocked or that was deleted is not offered, whatever its server lists.
    .where("a.blocked_at", "is", null)
    .where("a.deleted_at", "is", null);
  if (options.tag) q = q.where(tagFilter(sql.ref("e.condition_tags"), options.tag));
  if (options.language) q = q.where(languageFilter(sql.ref("e.languages"), options.language));
  if (options.text) {
    // The search box: every word in the name or the description (no full-text index on a peer's copy).
    for (const word of options.text.split(/\s+/).filter((w) => w !== "").slice(0, 8)) {
      const pattern = `%${word.replace(/[\\%_]/g, "\\$&")}%`;
      q = q.where((w) => w.or([w("e.name", "ilike", pattern), w("e.summary", "ilike", pattern)]));
    }
  }
  return await q.orderBy("e.member_count", "desc").orderBy("e.name").orderBy("e.actor_uri").limit(options.limit).execute();
}

/** Saves the condition tags a remote group's actor carries (none: the row goes). */
export async function saveRemoteGroupTags(db: Db, actorId: number, tags: ConditionTag[]): Promise<void> {
  if (tags.length === 0) {
    await db.deleteFrom("remote_group_tags").where("actor_id", "=", actorId).execute();
    return;
  }
  await db.insertInto("remote_group_tags").values({ actor_id: actorId, condition_tags: jsonb(tags) })
    .onConflict((oc) => oc.column("actor_id").doUpdateSet({ condition_tags: jsonb(tags) }))
    .execute();
}

export async function findRemoteGroupTags(db: Db, actorId: number): Promise<ConditionTag[]> {
  const row = await db.selectFrom("remote_group_tags").select("condition_tags").where("actor_id", "=", actorId)
    .executeTakeFirst();
  return row?.condition_tags ?? [];
}

/** What a peer's directory says of the group at `uri`, if it lists it. */
export async function findDirectoryEntry(db: Db, uri: string): Promise<Selectable<DirectoryEntriesTable> | undefined> {
  return await db.selectFrom("directory_entries").selectAll().where("actor_uri", "=", uri).executeTakeFirst();
}

/**
 * Takes the refresh lease for `ms` when nobody holds it (or theirs ran
 * out); false when another worker is refreshing.
 */
export async function takeDirectoryLease(db: Db, holder: string, ms: number): Promise<boolean> {
  const row = await db.updateTable("directory_lease")
    .set({ holder, until: sql`now() + ${`${Math.ceil(ms / 1000)} seconds`}::interval` })
    .where("id", "=", 1)
    .where((w) => w.or([w("until", "is", null), w("until", "<", sql<Date>`now()`), w("holder", "=", holder)]))
    .returning("id")
    .executeTakeFirst();
  return row != null;
}

export async function releaseDirectoryLease(db: Db, holder: string): Promise<void> {
  await db.updateTable("directory_lease")
    .set({ holder: null, until: null, last_run_at: new Date() })
    .where("id", "=", 1).where("holder", "=", holder)
    .execute();
}

/** When the last refresh finished (any worker), to space the periodic ones. */
export async function lastDirectoryRun(db: Db): Promise<Date | null> {
  const row = await db.selectFrom("directory_lease").select("last_run_at").where("id", "=", 1).executeTakeFirst();
  return row?.last_run_at ?? null;
}

/**
 * The servers we federate with, as far as the directory is concerned:
 * servers where one of our local members has an accepted follow of a group
 * (their origins; our members chose them: a server merely following us is
 * not one), those followed by most of our members first, and domains with
 * an `allow` or `partner` rule.
 */
export async function federatedOrigins(db: Db): Promise<{ followOrigins: string[]; ruleDomains: string[] }> {
  const follows = await sql<{ origin: string }>`
    select substring(a.uri from '^[a-z]+://[^/]+') as origin, count(distinct f.follower_id) as members
    from follows f join actors a on a.id = f.followee_id
    where f.state = 'accepted' and not a.local and a.type = 'Group' and a.blocked_at is null and a.deleted_at is null
      and exists (select 1 from actors l where l.id = f.follower_id and l.local and l.account_id is not null)
    group by 1
    order by members desc, origin`
    .execute(db);
  const rules = await db.selectFrom("federation_rules").select("domain").distinct()
    .where("action", "in", ["allow", "partner"]).orderBy("domain").execute();
  return {
    followOrigins: follows.rows.map((r) => r.origin).filter((o) => URL.canParse(o)),
    ruleDomains: rules.map((r) => r.domain),
  };
}

/** The origin (scheme) of a known remote actor on `host`, if any: rule domains name no scheme. */
export async function knownOriginOf(db: Db, host: string): Promise<string | null> {
  // Once per rule without a follow, per refresh (every few hours): no index needed on actors.host.
  const row = await db.selectFrom("actors").select("uri").where("local", "=", false).where("host", "=", host)
    .limit(1).executeTakeFirst();
  return row ? new URL(row.uri).origin : null;
}
