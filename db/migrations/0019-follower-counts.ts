import { type Kysely, sql } from "kysely";

/**
 * Each actor's count of accepted followers (a group's members), kept by a
 * trigger on `follows`, so that the directory and group pages do not count
 * tens of thousands of rows per group on every request; and pending
 * requests to join, oldest first, by index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("actors")
    .addColumn("follower_count", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    update actors set follower_count = c.n
    from (select followee_id, count(*)::int as n from follows where state = 'accepted' group by followee_id) c
    where actors.id = c.followee_id`.execute(db);
  await sql`create function follows_count() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') and old.state = 'accepted' then
        update actors set follower_count = follower_count - 1 where id = old.followee_id;
      end if;
      if tg_op in ('INSERT', 'UPDATE') and new.state = 'accepted' then
        update actors set follower_count = follower_count + 1 where id = new.followee_id;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger follows_count after insert or delete or update of state, followee_id on follows
    for each row execute function follows_count()`.execute(db);
  await sql`create index follows_pending_idx on follows (followee_id, created_at) where state = 'pending'`.execute(db);
}
