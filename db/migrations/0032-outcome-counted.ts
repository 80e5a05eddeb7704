import { type Kysely, sql } from "kysely";

/**
 * Outcome measures, review fixes (issue 9, item 5):
 * - `outcome_answers.counted`: the answer is one of those its period's frozen
 *   summary counted, set in the same statement that scores the period.  The
 *   research export takes rows only from this set, so that the figures minus
 *   the exported rows is exactly the answers counted and not exported.
 * - `outcome_answers.counted_staff`: when counted, the member was one of the
 *   group's managers (owner, moderator, instance admin), who see the figures.
 * - `outcome_period_summaries.staff_answers`: how many of the counted
 *   answers were managers'; figures need SUPPRESSION_THRESHOLD answers from
 *   members who are not managers.
 *
 * Periods summarised before this migration keep `counted` false (which
 * answers they counted was not recorded): they are never research-exported.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("outcome_answers")
    .addColumn("counted", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.alterTable("outcome_answers")
    .addColumn("counted_staff", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.alterTable("outcome_period_summaries")
    .addColumn("staff_answers", "integer", (c) => c.notNull().defaultTo(0).check(sql`staff_answers >= 0`))
    .execute();
}
