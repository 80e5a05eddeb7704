import { type Kysely, sql } from "kysely";

/**
 * Caregivers (issue 9, item 2).
 * - `groups.audience`: whom a group is for (everyone, patients, or
 *   caregivers and family).
 * - `groups.caregivers_space_id`: a patients' group's caregivers' space, a
 *   group of its own beside it (one at most; unique).
 * - `actors.member_type`: the badge an actor declares (patient, caregiver,
 *   supporter): a local member's copy of `accounts.member_type`, or what a
 *   remote Kindred member's actor says (`memberType`).
 * - `follows.member_type`: the badge a member chose for one group ("in this
 *   group I am a caregiver"), over the one of their profile.
 */
const MEMBER_TYPES = sql`('patient', 'caregiver', 'supporter')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("groups")
    .addColumn("audience", "text", (c) =>
      c.notNull().defaultTo("everyone").check(sql`audience in ('everyone', 'patients', 'caregivers')`))
    .execute();
  await db.schema.alterTable("groups")
    .addColumn("caregivers_space_id", "integer", (c) => c.references("groups.id").onDelete("set null").unique())
    .execute();
  await db.schema.alterTable("actors")
    .addColumn("member_type", "text", (c) => c.check(sql`member_type in ${MEMBER_TYPES}`))
    .execute();
  await db.schema.alterTable("follows")
    .addColumn("member_type", "text", (c) => c.check(sql`member_type in ${MEMBER_TYPES}`))
    .execute();
  await sql`update actors set member_type = accounts.member_type
    from accounts where accounts.id = actors.account_id and accounts.member_type is not null`.execute(db);
}
