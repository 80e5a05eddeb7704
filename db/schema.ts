/**
 * Table types for Kysely.  One interface per table; columns that the
 * database fills in are `Generated`.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

/** Every local name (account or group) is reserved here once. */
export interface LocalNamesTable {
  name: string;
  kind: "account" | "group";
}

export interface AccountsTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  email: string | null;
  password_hash: string | null;
  role: Generated<"admin" | "member">;
  bio: Generated<string>;
  created_at: Generated<Date>;
  last_active_at: Generated<Date>;
  member_type: MemberType | null;
}

/** Shown as a badge next to a member's name; self-declared. */
export type MemberType = "patient" | "caregiver" | "supporter";

export type JoinPolicy = "open" | "approval";

export interface GroupsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  summary_source: Generated<string>;
  summary_html: Generated<string>;
  join_policy: Generated<JoinPolicy>;
  posting_restricted_to_mods: Generated<boolean>;
  sensitive: Generated<boolean>;
  icon_url: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface GroupModeratorsTable {
  group_id: number;
  account_id: number;
  role: Generated<"owner" | "moderator">;
  created_at: Generated<Date>;
}

/** Key pairs of local actors, as JWK. `owner` is "group:ID", "account:ID" or "instance". */
export interface ActorKeysTable {
  owner: string;
  algorithm: "RSASSA-PKCS1-v1_5" | "Ed25519";
  public_jwk: Json<JsonWebKey>;
  private_jwk: Json<JsonWebKey>;
  created_at: Generated<Date>;
}

/**
 * Fedify's key–value store (federation/kv-store.ts).  `key` is the JSON array
 * of the key parts, in "C" collation; `value` any JSON value.
 */
export interface KvTable {
  key: string;
  value: Json;
  expires_at: Timestamp | null;
}

/**
 * Fedify's message queue (federation/message-queue.ts).  A claimed message
 * has `locked_until` set; `attempts` counts claims and fences completion.
 */
export interface QueueMessagesTable {
  id: Generated<number>;
  message: Json;
  ordering_key: string | null;
  deliver_at: Generated<Date>;
  locked_until: Date | null;
  attempts: Generated<number>;
  created_at: Generated<Date>;
}

export type ActorType = "Person" | "Group" | "Application" | "Service" | "Organization";

/** Every actor Kindred knows: local ones (with account_id or group_id) and remote copies. */
export interface ActorsTable {
  id: Generated<number>;
  uri: string;
  type: ActorType;
  local: Generated<boolean>;
  account_id: number | null;
  group_id: number | null;
  username: string;
  host: string;
  name: string | null;
  summary_html: string | null;
  url: string | null;
  icon_url: string | null;
  inbox_url: string | null;
  shared_inbox_url: string | null;
  followers_url: string | null;
  outbox_url: string | null;
  featured_url: string | null;
  moderators_url: string | null;
  manually_approves_followers: Generated<boolean>;
  posting_restricted_to_mods: Generated<boolean>;
  fetched_at: Generated<Date>;
  created_at: Generated<Date>;
}

export interface FollowsTable {
  follower_id: number;
  followee_id: number;
  state: "pending" | "accepted";
  activity_uri: string | null;
  created_at: Generated<Date>;
}

/** Threads (parent_id null) and replies, local and remote. */
export interface PostsTable {
  id: Generated<number>;
  uri: string;
  group_id: number;
  author_id: number;
  parent_id: number | null;
  thread_id: number | null;
  depth: Generated<number>;
  title: string | null;
  content_html: Generated<string>;
  source: string | null;
  summary: string | null;
  sensitive: Generated<boolean>;
  url: string | null;
  context_uri: string | null;
  local: Generated<boolean>;
  published_at: Generated<Date>;
  updated_at: Date | null;
  deleted_at: Date | null;
  reply_count: Generated<number>;
  like_count: Generated<number>;
  dislike_count: Generated<number>;
  last_activity_at: Generated<Date>;
}

export interface VotesTable {
  actor_id: number;
  post_id: number;
  value: 1 | -1;
  activity_uri: string | null;
  created_at: Generated<Date>;
}

export interface ActivitiesTable {
  id: Generated<number>;
  uri: string;
  actor_id: number;
  type: string;
  json: Json;
  created_at: Generated<Date>;
}

export interface ApiTokensTable {
  token_hash: string;
  account_id: number;
  created_at: Generated<Date>;
  last_used_at: Generated<Date>;
}

/** Browser sessions: the SHA-256 of the cookie's random id, never an IP address. */
export interface SessionsTable {
  id_hash: string;
  account_id: number;
  created_at: Generated<Date>;
  expires_at: Date;
}

export type NotificationKind = "reply" | "mention" | "join_accepted" | "join_rejected";

/** Filled by database triggers (db/migrations/0003-web-accounts.ts). */
export interface NotificationsTable {
  id: Generated<number>;
  account_id: number;
  kind: NotificationKind;
  actor_id: number | null;
  post_id: number | null;
  created_at: Generated<Date>;
  read_at: Date | null;
}

export interface Schema {
  local_names: LocalNamesTable;
  accounts: AccountsTable;
  groups: GroupsTable;
  group_moderators: GroupModeratorsTable;
  actor_keys: ActorKeysTable;
  kv: KvTable;
  queue_messages: QueueMessagesTable;
  actors: ActorsTable;
  follows: FollowsTable;
  posts: PostsTable;
  votes: VotesTable;
  activities: ActivitiesTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  notifications: NotificationsTable;
}

export type Account = Selectable<AccountsTable>;
export type NewAccount = Insertable<AccountsTable>;
export type Group = Selectable<GroupsTable>;
export type NewGroup = Insertable<GroupsTable>;
export type GroupUpdate = Updateable<GroupsTable>;
export type Actor = Selectable<ActorsTable>;
export type NewActor = Insertable<ActorsTable>;
export type Post = Selectable<PostsTable>;
export type NewPost = Insertable<PostsTable>;
