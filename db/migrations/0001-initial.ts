import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("local_names")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('account', 'group')`))
    .execute();

  await db.schema
    .createTable("accounts")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("username", "text", (c) => c.notNull().unique().references("local_names.name"))
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("email", "text")
    .addColumn("password_hash", "text")
    .addColumn("role", "text", (c) =>
      c.notNull().defaultTo("member").check(sql`role in ('admin', 'member')`))
    .addColumn("bio", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_active_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("groups")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("slug", "text", (c) => c.notNull().unique().references("local_names.name"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("summary_source", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("summary_html", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("join_policy", "text", (c) =>
      c.notNull().defaultTo("open").check(sql`join_policy in ('open', 'approval')`))
    .addColumn("posting_restricted_to_mods", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("sensitive", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("icon_url", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("group_moderators")
    .addColumn("group_id", "integer", (c) => c.notNull().references("groups.id").onDelete("cascade"))
    .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("role", "text", (c) =>
      c.notNull().defaultTo("moderator").check(sql`role in ('owner', 'moderator')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("group_moderators_pk", ["group_id", "account_id"])
    .execute();

  await db.schema
    .createTable("actor_keys")
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("algorithm", "text", (c) =>
      c.notNull().check(sql`algorithm in ('RSASSA-PKCS1-v1_5', 'Ed25519')`))
    .addColumn("public_jwk", "jsonb", (c) => c.notNull())
    .addColumn("private_jwk", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("actor_keys_pk", ["owner", "algorithm"])
    .execute();

  await db.schema
    .createTable("kv")
    // Byte-order collation: KyselyKvStore.list() turns a key prefix into a
    // range on the JSON-encoded key, which only holds under "C" ordering.
    .addColumn("key", sql`text collate "C"`, (c) => c.primaryKey())
    .addColumn("value", "jsonb", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz")
    .execute();
  await db.schema.createIndex("kv_expires_at_idx").on("kv").column("expires_at")
    .where(sql.ref("expires_at"), "is not", null).execute();

  await db.schema
    .createTable("queue_messages")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("message", "jsonb", (c) => c.notNull())
    .addColumn("ordering_key", "text")
    .addColumn("deliver_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("locked_until", "timestamptz")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // KyselyMessageQueue claims unkeyed and keyed messages by separate queries,
  // each walking its own partial index in delivery order.
  await db.schema.createIndex("queue_messages_ready_idx").on("queue_messages")
    .columns(["deliver_at", "id"]).where(sql.ref("ordering_key"), "is", null).execute();
  await db.schema.createIndex("queue_messages_keyed_ready_idx").on("queue_messages")
    .columns(["deliver_at", "id"]).where(sql.ref("ordering_key"), "is not", null).execute();
  await db.schema.createIndex("queue_messages_ordering_idx").on("queue_messages")
    .columns(["ordering_key", "id"]).where(sql.ref("ordering_key"), "is not", null).execute();
}
