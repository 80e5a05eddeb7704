/**
 * Table types for Kysely.  One interface per table; columns that the
 * database fills in are `Generated`.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";
import type { ConditionTag } from "../policy/condition-tags.ts";

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
  suspended_at: Date | null;
  suspended_reason: string | null;
  /** Set by an admin of this instance after a private check. */
  clinician_verified_at: Date | null;
  /** Erased by its member (issue 6): only the name and signing keys remain. */
  deleted_at: Generated<Date | null>;
  /** Never consented (CLI-made or older account): asked on the web before anything else (migration 0016). */
  consent_pending: Generated<boolean>;
  /** When the member confirmed `email` by the link emailed to it; null: unconfirmed, nothing is emailed (migration 0034). */
  email_verified_at: Generated<Date | null>;
}

/** Shown as a badge next to a member's name; self-declared. */
export type MemberType = "patient" | "caregiver" | "supporter";

export type JoinPolicy = "open" | "approval";

/** Who may read a group (migration 0015; docs/FEDERATION.md, "Group visibility"). */
export type GroupVisibility = "public" | "private" | "local";

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
  rules_source: Generated<string>;
  rules_html: Generated<string>;
  /** Hold the first N posts of a new member for approval; 0 is off. */
  hold_first_posts: Generated<number>;
  visibility: Generated<GroupVisibility>;
  /** Shown to new members (Markdown, and its HTML). */
  welcome_source: Generated<string>;
  welcome_html: Generated<string>;
  /** The thread where new members introduce themselves, if the managers chose one. */
  introductions_post_id: Generated<number | null>;
  /** Whom the group is for (migration 0029). */
  audience: Generated<GroupAudience>;
  /** This group's caregivers' space: a group of its own beside it. */
  caregivers_space_id: Generated<number | null>;
  /** Condition tags (migration 0026): `[{ code, label }]`, codes canonical (policy/condition-tags.ts). */
  condition_tags: ColumnType<ConditionTag[], string | undefined, string>;
  /** BCP 47 language tags. */
  languages: ColumnType<string[], string | undefined, string>;
  /** A public group may be listed in other instances' directories (never a private or local-only one). */
  listed_elsewhere: Generated<boolean>;
}

/** Whom a group is for: shown on its page and in the directory. */
export type GroupAudience = "everyone" | "patients" | "caregivers";

export type StaffRole = "owner" | "moderator" | "mentor";

/**
 * Staff of any group, by actor: a local group's owner, moderators and
 * mentors (local or remote people), and the moderators a remote group lists.
 * Mentors have a badge and no moderation powers.
 */
export interface GroupStaffTable {
  group_actor_id: number;
  actor_id: number;
  role: StaffRole;
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
  /** A group's visibility: a local group's setting, or what a remote group's document says. */
  visibility: Generated<GroupVisibility>;
  /** Accepted followers (a group's members), kept by a trigger on `follows` (migration 0019). */
  follower_count: Generated<number>;
  fetched_at: Generated<Date>;
  created_at: Generated<Date>;
  /** Blocked instance-wide by an admin: nothing from this actor is accepted. */
  blocked_at: Date | null;
  blocked_reason: string | null;
  /** Deleted by its own server (a remote actor): profile cleared, content tombstoned. */
  deleted_at: Generated<Date | null>;
  /** The badge the actor declares: a local member's profile, or a remote Kindred actor's `memberType` (migration 0029). */
  member_type: Generated<MemberType | null>;
}

export interface FollowsTable {
  follower_id: number;
  followee_id: number;
  state: "pending" | "accepted";
  activity_uri: string | null;
  created_at: Generated<Date>;
  /** When the membership was accepted (set by migration 0024's trigger). */
  accepted_at: Generated<Date | null>;
  /** The badge the member chose for this group, over their profile's (migration 0029). */
  member_type: Generated<MemberType | null>;
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
  /** Removed by a moderator (content kept, so that it can be restored). */
  removed_at: Date | null;
  removed_reason: string | null;
  /** A locked thread (or comment) takes no new replies. */
  locked_at: Date | null;
  /** Pinned threads are listed first and in the group's featured collection. */
  pinned_at: Date | null;
  review_state: Generated<ReviewState>;
  review_reason: string | null;
  /** A moderator's note (Lemmy's distinguished comment). */
  distinguished: Generated<boolean>;
  /** Labelled by a moderator as needing a source. */
  needs_source: Generated<boolean>;
}

/** Pre-moderation: a held post waits for a moderator; a rejected one is kept for its author only. */
export type ReviewState = "published" | "held" | "rejected";

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

export interface GroupBansTable {
  group_actor_id: number;
  actor_id: number;
  reason: string | null;
  /** null: until lifted. */
  expires_at: Date | null;
  banned_by: number | null;
  activity_uri: string | null;
  created_at: Generated<Date>;
}

export type ReportReason = "misinformation" | "personal_details" | "self_harm" | "harassment" | "spam" | "other";
export const REPORT_REASONS: readonly ReportReason[] = [
  "misinformation",
  "personal_details",
  "self_harm",
  "harassment",
  "spam",
  "other",
];

export interface ReportsTable {
  id: Generated<number>;
  /** The Flag's id (ours or a peer's); null for a report raised by Kindred itself (crisis language). */
  uri: string | null;
  group_actor_id: number | null;
  post_id: number | null;
  target_actor_id: number;
  /** Never shown to the reported member. */
  reporter_actor_id: number | null;
  reason: ReportReason;
  comment: Generated<string>;
  priority: Generated<"normal" | "high">;
  state: Generated<"open" | "resolved" | "dismissed">;
  resolved_by: number | null;
  resolved_at: Date | null;
  created_at: Generated<Date>;
}

/** The activity a held remote post came in, passed on when it is approved. */
export interface HeldActivitiesTable {
  post_id: number;
  json: Json;
  created_at: Generated<Date>;
}

export interface PremodRulesTable {
  id: Generated<number>;
  group_id: number;
  kind: "keyword" | "link_count" | "link_domain";
  pattern: string;
  action: "hold" | "reject";
  created_at: Generated<Date>;
}

/** What moderators and admins did; readable by the group's members. */
export interface ModerationLogTable {
  id: Generated<number>;
  /** null for instance-wide actions (suspensions, blocks). */
  group_actor_id: number | null;
  moderator_actor_id: number | null;
  /** "admin", "owner", "moderator" or "remote moderator": shown instead of a name. */
  moderator_role: string;
  action: string;
  post_id: number | null;
  target_actor_id: number | null;
  reason: Generated<string>;
  expires_at: Date | null;
  activity_uri: string | null;
  created_at: Generated<Date>;
}

/** Links to reliable information that a group's moderators pin on its page. */
/** Instance federation policy (migration 0013): one row, id 1. */
export interface FederationSettingsTable {
  id: number;
  mode: "open" | "allowlist" | "closed";
  updated_at: Generated<Date>;
}

/** Per-domain federation rules (migration 0013); see policy/federation-rules.ts. */
export interface FederationRulesTable {
  domain: string;
  action: "block" | "allow" | "limit" | "reject_media" | "partner";
  reason: Generated<string>;
  created_at: Generated<Date>;
}

export interface GroupResourcesTable {
  id: Generated<number>;
  group_id: number;
  title: string;
  url: string;
  description: Generated<string>;
  position: Generated<number>;
  created_at: Generated<Date>;
}

export interface CrisisResourcesTable {
  id: Generated<number>;
  language: Generated<string>;
  name: string;
  contact: string;
  description: Generated<string>;
  position: Generated<number>;
  created_at: Generated<Date>;
}

export type NotificationKind =
  | "reply"
  | "mention"
  | "join_accepted"
  | "join_rejected"
  /** To a local group's owner and moderators: someone asked to join (migration 0027). */
  | "join_request"
  | "moderation"
  | "post_held"
  | "post_approved"
  | "post_rejected"
  | "report"
  | "feedback";

/** Filled by database triggers (db/migrations/0003-web-accounts.ts). */
export interface NotificationsTable {
  id: Generated<number>;
  account_id: number;
  kind: NotificationKind;
  actor_id: number | null;
  post_id: number | null;
  /** The moderation log entry a "moderation" notification states the reasons of. */
  log_id: number | null;
  report_id: number | null;
  /** Feedback a member sent to a group's moderators (kind "feedback"). */
  feedback_id: Generated<number | null>;
  created_at: Generated<Date>;
  read_at: Date | null;
  /** Sent to the member by email (migration 0027); never emailed twice. */
  emailed_at: Generated<Date | null>;
}

/** How often a member is emailed their notifications (migration 0027); off by default. */
export type EmailFrequency = "off" | "immediate" | "daily" | "weekly";

/** A member's email choices (src/email-notifications.ts). */
export interface EmailSettingsTable {
  account_id: number;
  frequency: Generated<EmailFrequency>;
  /** Replies and mentions. */
  email_replies: Generated<boolean>;
  /** Answers to requests to join. */
  email_membership: Generated<boolean>;
  /** Moderators' decisions about the member's posts. */
  email_moderation: Generated<boolean>;
  /** For moderators: reports and feedback. */
  email_staff: Generated<boolean>;
  /** Group names, thread titles and excerpts in emails (opt-in). */
  show_details: Generated<boolean>;
  unsubscribe_token: string;
  since: Generated<Date>;
  last_sent_at: Date | null;
  attempts: Generated<number>;
  next_attempt_at: Date | null;
  last_error: string | null;
  lease_until: Date | null;
}

/** A poll thread (its object is a `Question`); counts of a remote poll are its origin's. */
export interface PollsTable {
  post_id: number;
  multiple: boolean;
  end_time: Date | null;
  voters_count: Generated<number>;
  updated_at: Generated<Date>;
}

export interface PollOptionsTable {
  post_id: number;
  position: number;
  name: string;
  votes_count: Generated<number>;
}

/** Who chose what: never shown to anyone, never served. */
export interface PollVotesTable {
  post_id: number;
  position: number;
  actor_id: number;
  activity_uri: string | null;
  created_at: Generated<Date>;
}

export type FeedbackCategory = "suggestion" | "problem" | "praise" | "other";
export const FEEDBACK_CATEGORIES: readonly FeedbackCategory[] = ["suggestion", "problem", "praise", "other"];

/** A member's private message to a local group's moderators. */
export interface FeedbackTable {
  id: Generated<number>;
  group_actor_id: number;
  author_actor_id: number | null;
  category: FeedbackCategory;
  body: string;
  handled_at: Date | null;
  handled_by: number | null;
  created_at: Generated<Date>;
}

export type DeliveryState = "pending" | "delivered" | "failed";

/** One `Delete` sent for an erased account to one inbox, tracked until acknowledged or given up. */
export interface DeletionDeliveriesTable {
  id: Generated<number>;
  account_id: number;
  activity_uri: string;
  activity_json: Json;
  inbox_url: string;
  state: Generated<DeliveryState>;
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: Generated<Date>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** Versions of the community guidelines members consent to. */
export interface GuidelinesTable {
  version: number;
  text: string;
  created_at: Generated<Date>;
}

/** A member's consent to the processing of health data under a guidelines version. */
export interface ConsentsTable {
  id: Generated<number>;
  account_id: number;
  guidelines_version: number;
  given_at: Generated<Date>;
  withdrawn_at: Date | null;
}

/** Rate-limit counters (migration 0017); `key` is an HMAC, never an address. */
export interface RateLimitsTable {
  key: string;
  hits: number;
  expires_at: Timestamp;
}

/** The day's secret for rate-limit keys (migration 0017). */
export interface RateLimitSecretsTable {
  day: string;
  secret: string;
  created_at: Generated<Date>;
}

/** What an access-log entry is about (migration 0018). */
export type AccessSubject =
  | "private_thread"
  | "private_threads"
  | "held_posts"
  | "removed_post"
  | "reports"
  | "member_data"
  /** Outcome measures (migration 0028): an export of a questionnaire's aggregates, or of its pseudonymised answers. */
  | "outcome_aggregates"
  | "outcome_answers";

/**
 * The access log (migration 0018): an admin's or moderator's read of private
 * content they see only because of their role.  Append-only; no IP address.
 */
export interface AccessLogTable {
  id: Generated<number>;
  at: Generated<Date>;
  account_id: number;
  /** The reader's username when they read (kept if the account is later renamed or erased). */
  username: string;
  /** "admin", "owner" or "moderator": why they could read it. */
  role: string;
  group_actor_id: number | null;
  subject: AccessSubject;
  /** The post (thread, removed post) or account read, when there is one. */
  subject_id: number | null;
  /** The method and path of the request, e.g. "GET /p/12". */
  route: string;
}

/** An image of a post: a local upload (re-encoded bytes in `data`) or a remote one (`remote_url` only). */
export interface MediaTable {
  /** Random and unguessable (base64url of 16 bytes). */
  id: string;
  post_id: number;
  owner_id: number;
  position: Generated<number>;
  content_type: string;
  width: number | null;
  height: number | null;
  alt: Generated<string>;
  data: Uint8Array | null;
  remote_url: string | null;
  created_at: Generated<Date>;
}

/** The software a remote server runs, from its NodeInfo (null: it had none we could read). */
export interface InstanceSoftwareTable {
  host: string;
  software: string | null;
  checked_at: ColumnType<Date, Date | undefined, Date>;
}

/** A server whose group directory we fetch (src/federation: group-directory.ts). */
export interface DirectoryPeersTable {
  host: string;
  origin: string;
  last_attempt_at: Date | null;
  last_success_at: Date | null;
  last_error: string | null;
}

/** A public group another server lists in its directory. */
export interface DirectoryEntriesTable {
  actor_uri: string;
  peer_host: string;
  handle: string;
  name: string;
  summary: string;
  condition_tags: ColumnType<ConditionTag[], string, string>;
  languages: ColumnType<string[], string, string>;
  member_count: number;
  posts_30d: number;
  last_activity_at: Date | null;
  join_policy: string;
  sensitive: boolean;
  /** Whom the group is for, as its server says (migration 0030). */
  audience: Generated<GroupAudience>;
  fetched_at: ColumnType<Date, Date | undefined, Date>;
}

/** One row: who refreshes the directory now, until when (one worker at a time). */
export interface DirectoryLeaseTable {
  id: number;
  holder: string | null;
  until: Date | null;
  last_run_at: Date | null;
}

/** Condition tags a remote group's actor carries as hashtags (codes only: hashtags have no labels). */
export interface RemoteGroupTagsTable {
  actor_id: number;
  condition_tags: ColumnType<ConditionTag[], string, string>;
}

/** A pending confirmation of an email address: one per account (migration 0034). */
export interface EmailConfirmationsTable {
  account_id: number;
  /** The address the link confirms: a new one, or the account's current unconfirmed one. */
  email: string;
  /** SHA-256 (hex) of the link's token. */
  token_hash: string;
  created_at: Generated<Date>;
  expires_at: Date;
}

export interface Schema {
  local_names: LocalNamesTable;
  accounts: AccountsTable;
  groups: GroupsTable;
  group_staff: GroupStaffTable;
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
  email_settings: EmailSettingsTable;
  email_confirmations: EmailConfirmationsTable;
  group_bans: GroupBansTable;
  reports: ReportsTable;
  premod_rules: PremodRulesTable;
  held_activities: HeldActivitiesTable;
  moderation_log: ModerationLogTable;
  crisis_resources: CrisisResourcesTable;
  group_resources: GroupResourcesTable;
  polls: PollsTable;
  poll_options: PollOptionsTable;
  poll_votes: PollVotesTable;
  feedback: FeedbackTable;
  federation_settings: FederationSettingsTable;
  federation_rules: FederationRulesTable;
  deletion_deliveries: DeletionDeliveriesTable;
  guidelines: GuidelinesTable;
  consents: ConsentsTable;
  rate_limits: RateLimitsTable;
  rate_limit_secrets: RateLimitSecretsTable;
  access_log: AccessLogTable;
  media: MediaTable;
  instance_software: InstanceSoftwareTable;
  outcome_questionnaires: OutcomeQuestionnairesTable;
  outcome_consents: OutcomeConsentsTable;
  outcome_answers: OutcomeAnswersTable;
  outcome_period_summaries: OutcomePeriodSummariesTable;
  directory_peers: DirectoryPeersTable;
  directory_entries: DirectoryEntriesTable;
  directory_lease: DirectoryLeaseTable;
  remote_group_tags: RemoteGroupTagsTable;
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

/** A local group's periodic, opt-in questionnaire (migration 0028). */
export interface OutcomeQuestionnairesTable {
  id: Generated<number>;
  group_actor_id: number;
  /** An instrument of `instruments/` (src/outcome-instruments.ts), and its version when started. */
  instrument_id: string;
  instrument_version: string;
  period_days: number;
  /** The group's own consent text: what is collected, who sees what, how long it is kept. */
  consent_text: string;
  /** Whether members are offered the research consent (pseudonymised answers in exports). */
  research_export: Generated<boolean>;
  started_by: number | null;
  /** Period n runs from starts_at + n × period_days. */
  starts_at: Generated<Date>;
  closed_at: Date | null;
}

/** A member's consent to a questionnaire (migration 0028). */
export interface OutcomeConsentsTable {
  id: Generated<number>;
  questionnaire_id: number;
  account_id: number;
  /** The consent text as the member agreed to it. */
  consent_text: string;
  given_at: Generated<Date>;
  research: Generated<boolean>;
  research_changed_at: Date | null;
  withdrawn_at: Date | null;
}

/** A member's answer in one period: never shown to anyone else (migration 0028). */
export interface OutcomeAnswersTable {
  id: Generated<number>;
  questionnaire_id: number;
  account_id: number;
  period: number;
  /** The value chosen for each item, in the instrument's order (null: not answered). */
  responses: ColumnType<(number | null)[], string, string>;
  score: number;
  answered_at: Generated<Date>;
  /** Counted by its period's frozen summary (migration 0032): the only answers a research export may hold. */
  counted: Generated<boolean>;
  /** When counted, the member was one of the group's managers (owner, moderator, admin). */
  counted_staff: Generated<boolean>;
}

/** An ended period's aggregate figures, computed once (migration 0028). */
export interface OutcomePeriodSummariesTable {
  questionnaire_id: number;
  period: number;
  answers: number;
  mean: number | null;
  median: number | null;
  /** Counts per score band, null where suppressed; null when the whole period is. */
  bands: ColumnType<(number | null)[] | null, string | null, string | null>;
  computed_at: Generated<Date>;
  /** How many of `answers` were the group's managers' (migration 0032). */
  staff_answers: Generated<number>;
}
