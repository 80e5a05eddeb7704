import { type Kysely, sql } from "kysely";

/**
 * Moderation (issue 5): group staff by actor (local and remote moderators,
 * remote groups' moderators too), removals, locks, pins, bans, reports,
 * pre-moderation rules, the moderation log, crisis resources, badges,
 * suspensions and instance-wide blocks.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const now = sql`now()`;

  // Staff of any group Kindred knows, by actor: a local group's owner,
  // moderators and mentors (local or remote people), and the moderators a
  // remote group lists (so that their moderation actions can be honoured).
  await db.schema
    .createTable("group_staff")
    .addColumn("group_actor_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("actor_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('owner', 'moderator', 'mentor')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("group_staff_pk", ["group_actor_id", "actor_id"])
    .execute();
  await db.schema.createIndex("group_staff_actor_idx").on("group_staff").column("actor_id").execute();
  await sql`insert into group_staff (group_actor_id, actor_id, role, created_at)
    select g.id, a.id, m.role, m.created_at
    from group_moderators m
    join actors g on g.group_id = m.group_id
    join actors a on a.account_id = m.account_id`.execute(db);
  await db.schema.dropTable("group_moderators").execute();

  await db.schema.alterTable("posts")
    .addColumn("removed_at", "timestamptz")
    .addColumn("removed_reason", "text")
    .addColumn("locked_at", "timestamptz")
    .addColumn("pinned_at", "timestamptz")
    // 'held' by pre-moderation until a moderator approves it; 'rejected' kept
    // for the author and the log only.
    .addColumn("review_state", "text", (c) =>
      c.notNull().defaultTo("published").check(sql`review_state in ('published', 'held', 'rejected')`))
    .addColumn("review_reason", "text")
    .addColumn("distinguished", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("needs_source", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.createIndex("posts_pinned_idx").on("posts").columns(["group_id", "pinned_at desc"])
    .where(sql.ref("pinned_at"), "is not", null).execute();
  await db.schema.createIndex("posts_held_idx").on("posts").columns(["group_id", "id"])
    .where(sql.ref("review_state"), "=", "held").execute();

  await db.schema.alterTable("groups")
    .addColumn("rules_source", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("rules_html", "text", (c) => c.notNull().defaultTo(""))
    // Hold the first N posts of a new member for approval; 0 is off.
    .addColumn("hold_first_posts", "integer", (c) => c.notNull().defaultTo(0).check(sql`hold_first_posts >= 0`))
    .execute();

  await db.schema.alterTable("accounts")
    .addColumn("suspended_at", "timestamptz")
    .addColumn("suspended_reason", "text")
    // Granted by an admin of this instance after a private check; never
    // taken from a remote server's claim.
    .addColumn("clinician_verified_at", "timestamptz")
    .execute();

  // Instance-wide block of a remote actor by an admin.
  await db.schema.alterTable("actors")
    .addColumn("blocked_at", "timestamptz")
    .addColumn("blocked_reason", "text")
    .execute();

  await db.schema
    .createTable("group_bans")
    .addColumn("group_actor_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("actor_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("reason", "text")
    .addColumn("expires_at", "timestamptz")
    .addColumn("banned_by", "integer", (c) => c.references("actors.id").onDelete("set null"))
    .addColumn("activity_uri", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("group_bans_pk", ["group_actor_id", "actor_id"])
    .execute();

  await db.schema
    .createTable("reports")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("uri", "text", (c) => c.unique())
    .addColumn("group_actor_id", "integer", (c) => c.references("actors.id").onDelete("cascade"))
    .addColumn("post_id", "integer", (c) => c.references("posts.id").onDelete("cascade"))
    .addColumn("target_actor_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("reporter_actor_id", "integer", (c) => c.references("actors.id").onDelete("set null"))
    .addColumn("reason", "text", (c) =>
      c.notNull().check(sql`reason in ('misinformation', 'personal_details', 'self_harm', 'harassment', 'spam', 'other')`))
    .addColumn("comment", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("priority", "text", (c) => c.notNull().defaultTo("normal").check(sql`priority in ('normal', 'high')`))
    .addColumn("state", "text", (c) =>
      c.notNull().defaultTo("open").check(sql`state in ('open', 'resolved', 'dismissed')`))
    .addColumn("resolved_by", "integer", (c) => c.references("actors.id").onDelete("set null"))
    .addColumn("resolved_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("reports_open_idx").on("reports").columns(["group_actor_id", "state", "id"]).execute();

  await db.schema
    .createTable("premod_rules")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("group_id", "integer", (c) => c.notNull().references("groups.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('keyword', 'link_count', 'link_domain')`))
    .addColumn("pattern", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull().check(sql`action in ('hold', 'reject')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("premod_rules_group_idx").on("premod_rules").column("group_id").execute();

  // What moderators and admins did, readable by the group's members.
  await db.schema
    .createTable("moderation_log")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("group_actor_id", "integer", (c) => c.references("actors.id").onDelete("cascade"))
    .addColumn("moderator_actor_id", "integer", (c) => c.references("actors.id").onDelete("set null"))
    .addColumn("moderator_role", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("post_id", "integer", (c) => c.references("posts.id").onDelete("set null"))
    .addColumn("target_actor_id", "integer", (c) => c.references("actors.id").onDelete("set null"))
    .addColumn("reason", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("expires_at", "timestamptz")
    .addColumn("activity_uri", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("moderation_log_group_idx").on("moderation_log").columns(["group_actor_id", "id desc"])
    .execute();

  await db.schema
    .createTable("crisis_resources")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("language", "text", (c) => c.notNull().defaultTo("en"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("contact", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();

  // Notifications about moderation: a statement of reasons (log_id), held,
  // approved and rejected posts, and reports for moderators.
  await sql`alter table notifications add column log_id integer references moderation_log (id) on delete cascade`
    .execute(db);
  await sql`alter table notifications add column report_id integer references reports (id) on delete cascade`
    .execute(db);
  await sql`alter table notifications drop constraint notifications_kind_check`.execute(db);
  await sql`alter table notifications add constraint notifications_kind_check
    check (kind in ('reply', 'mention', 'join_accepted', 'join_rejected',
      'moderation', 'post_held', 'post_approved', 'post_rejected', 'report'))`.execute(db);

  // A held reply notifies its parent's author only once it is published.
  await sql`
    create or replace function kindred_notify_reply() returns trigger language plpgsql as $$
    begin
      if new.parent_id is not null and new.review_state = 'published'
        and (tg_op = 'INSERT' or old.review_state <> 'published') then
        insert into notifications (account_id, kind, actor_id, post_id)
        select a.account_id, 'reply', new.author_id, new.id
        from posts p join actors a on a.id = p.author_id
        where p.id = new.parent_id and a.local and a.account_id is not null
          and p.author_id <> new.author_id;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger posts_notify_reply_published after update of review_state on posts
    for each row execute function kindred_notify_reply()`.execute(db);
}
