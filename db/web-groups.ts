/** Group directory search and the thread list of a group page. */
import { type Kysely, sql } from "kysely";
import { memberTypeIn } from "./member-types.ts";
import type { Group, MemberType, Schema } from "./schema.ts";
import type { TagQuery } from "../policy/condition-tags.ts";
import { languageFilter, tagFilter } from "./directory.ts";

type Db = Kysely<Schema>;

export interface DirectoryEntry extends Group {
  actor_id: number;
  member_count: number;
}

/**
 * Local groups for the directory: public and private ones (a private group's
 * name and description are shown so that people can ask to join; its
 * content never is), and local-only ones when `withLocalOnly` (a signed-in
 * local reader).  Without `query`, by name, `limit` at a time: `after` (the
 * last group's id) continues, keyset on (name, id) through groups_name_idx.
 * With `query`, the best `limit` matches by full text on name, slug and
 * description ('simple' configuration: no stemming, same on PGlite and
 * PostgreSQL; `groups.search_vector`, stored and GIN-indexed, migration 0023).
 */
const GROUP_COLUMNS = [
  "id", "slug", "name", "summary_source", "summary_html", "join_policy", "posting_restricted_to_mods", "sensitive",
  "icon_url", "created_at", "updated_at", "rules_source", "rules_html", "hold_first_posts", "visibility",
  "welcome_source", "welcome_html", "introductions_post_id", "audience", "caregivers_space_id",
  "condition_tags", "languages", "listed_elsewhere",
] as const satisfies readonly (keyof Group)[];

export async function searchGroups(
  db: Db,
  query: string | undefined,
  options: { withLocalOnly?: boolean; limit?: number; after?: number; tag?: TagQuery; language?: string } = {},
): Promise<DirectoryEntry[]> {
  const limit = options.limit ?? 100;
  let q = db.selectFrom("groups")
    .innerJoin("actors", "actors.group_id", "groups.id")
    // Not groups.*: that would carry the search vector too.
    .select(GROUP_COLUMNS.map((c) => `groups.${c}` as const))
    .select([
      "actors.id as actor_id",
      "actors.follower_count as member_count",
    ]);
  if (!options.withLocalOnly) q = q.where("groups.visibility", "!=", "local");
  if (options.tag) q = q.where(tagFilter(sql.ref("groups.condition_tags"), options.tag));
  if (options.language) q = q.where(languageFilter(sql.ref("groups.languages"), options.language));
  const text = query?.trim();
  if (text) {
    // Stored by migration 0023 (name, slug and description), GIN-indexed.
    const doc = sql.ref("groups.search_vector");
    const tsq = sql`websearch_to_tsquery('simple', ${text})`;
    q = q.where(sql<boolean>`${doc} @@ ${tsq}`)
      .orderBy(sql`ts_rank(${doc}, ${tsq})`, "desc");
  } else if (options.after != null) {
    // An unknown id yields an empty page, never an error.
    q = q.where(sql<boolean>`(groups.name, groups.id) > (select g.name, g.id from groups g where g.id = ${options.after}::int)`);
  }
  const rows = await q.orderBy("groups.name").orderBy("groups.id").limit(limit).execute();
  return rows.map((r) => ({ ...r, member_count: Number(r.member_count) }));
}

export type ThreadSort = "active" | "new" | "top";
export const THREAD_SORTS: readonly ThreadSort[] = ["active", "new", "top"];

export interface ThreadListItem {
  id: number;
  uri: string;
  local: boolean;
  title: string | null;
  summary: string | null;
  sensitive: boolean;
  published_at: Date;
  last_activity_at: Date;
  reply_count: number;
  like_count: number;
  dislike_count: number;
  author_id: number;
  author_name: string | null;
  author_username: string;
  author_host: string;
  pinned_at: Date | null;
  locked_at: Date | null;
  removed_at: Date | null;
  /** Opaque position for keyset pagination (`after`). */
  cursor: string;
}

const US = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

function sortKey(sort: ThreadSort) {
  // Text with microseconds, so that a page boundary never skips a thread.
  if (sort === "active") return sql<string>`to_char(posts.last_activity_at at time zone 'UTC', ${sql.raw(US)})`;
  if (sort === "new") return sql<string>`to_char(posts.published_at at time zone 'UTC', ${sql.raw(US)})`;
  return sql<string>`(posts.like_count - posts.dislike_count)::text`;
}

function after(sort: ThreadSort, cursor: string) {
  const comma = cursor.lastIndexOf(",");
  const key = cursor.slice(0, comma);
  const id = Number(cursor.slice(comma + 1));
  // A cursor from anywhere but our own links is ignored, never a database error.
  if (comma < 0 || !Number.isSafeInteger(id) || id < 0 || id > 2_147_483_647) return undefined;
  if (sort === "top") {
    if (!/^-?\d{1,9}$/.test(key)) return undefined;
    return sql<boolean>`(posts.like_count - posts.dislike_count, posts.id) < (${Number(key)}::int, ${id}::int)`;
  }
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(key) || Number.isNaN(Date.parse(key))) return undefined;
  const column = sort === "active" ? sql.ref("posts.last_activity_at") : sql.ref("posts.published_at");
  return sql<boolean>`(${column}, posts.id) < (${key}::timestamptz, ${id}::int)`;
}

function threadItems(db: Db, groupActorId: number, sort: ThreadSort, withRemoved: boolean, memberType?: MemberType) {
  let q = db.selectFrom("posts")
    .innerJoin("actors as a", "a.id", "posts.author_id")
    .select([
      "posts.id", "posts.uri", "posts.local", "posts.title", "posts.summary", "posts.sensitive",
      "posts.published_at", "posts.last_activity_at", "posts.reply_count", "posts.like_count",
      "posts.dislike_count", "posts.author_id",
      "a.name as author_name", "a.username as author_username", "a.host as author_host",
      "posts.pinned_at", "posts.locked_at", "posts.removed_at",
      sql<string>`${sortKey(sort)} || ',' || posts.id`.as("cursor"),
    ])
    .where("posts.group_id", "=", groupActorId)
    .where("posts.parent_id", "is", null)
    .where("posts.deleted_at", "is", null)
    .where("posts.review_state", "=", "published")
    // Authors an admin blocked instance-wide are not shown.
    .where("a.blocked_at", "is", null);
  // Threads started by patients, caregivers or supporters (the badge their author shows in this group).
  if (memberType) q = q.where(sql<boolean>`${memberTypeIn("posts.author_id", "posts.group_id")} = ${memberType}`);
  // Removed threads are listed for moderators only.
  return withRemoved ? q : q.where("posts.removed_at", "is", null);
}

/** A group's pinned threads, newest pin first: shown above the sorted list. */
export async function listPinnedGroupThreads(
  db: Db,
  groupActorId: number,
  withRemoved = false,
  memberType?: MemberType,
): Promise<ThreadListItem[]> {
  return await threadItems(db, groupActorId, "active", withRemoved, memberType)
    .where("posts.pinned_at", "is not", null)
    .orderBy("posts.pinned_at", "desc").orderBy("posts.id", "desc").limit(50).execute();
}

/**
 * One page of a group's threads (not deleted, not pinned: those come first,
 * from listPinnedGroupThreads); `cursor` of the last item continues;
 * `memberType`: only threads whose author shows that badge in the group.
 */
export async function listGroupThreads(
  db: Db,
  groupActorId: number,
  sort: ThreadSort,
  cursor: string | undefined,
  limit = 25,
  withRemoved = false,
  memberType?: MemberType,
): Promise<ThreadListItem[]> {
  let q = threadItems(db, groupActorId, sort, withRemoved, memberType).where("posts.pinned_at", "is", null);
  const condition = cursor ? after(sort, cursor) : undefined;
  if (condition) q = q.where(condition);
  if (sort === "active") q = q.orderBy("posts.last_activity_at", "desc");
  else if (sort === "new") q = q.orderBy("posts.published_at", "desc");
  else q = q.orderBy(sql`posts.like_count - posts.dislike_count`, "desc");
  return await q.orderBy("posts.id", "desc").limit(limit).execute();
}
