import { type Kysely, sql } from "kysely";

/**
 * Opt-in outcome measures (issue 9, item 5): a local group's periodic
 * questionnaire (an instrument from `instruments/`, a period, the group's
 * own consent text), members' consents to it, their answers (one per
 * period), and each ended period's aggregates, computed once when the period
 * has ended and kept, so that later deletions cannot be read off by
 * differencing.  Answers belong to local accounts only; they are never
 * federated.  The access log learns two new subjects: exports of a
 * questionnaire's aggregates and of its pseudonymised answers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const now = sql`now()`;
  await db.schema.createTable("outcome_questionnaires")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("group_actor_id", "integer", (c) => c.notNull().references("actors.id").onDelete("cascade"))
    .addColumn("instrument_id", "text", (c) => c.notNull())
    .addColumn("instrument_version", "text", (c) => c.notNull())
    .addColumn("period_days", "integer", (c) => c.notNull().check(sql`period_days between 7 and 365`))
    .addColumn("consent_text", "text", (c) => c.notNull())
    .addColumn("research_export", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("started_by", "integer", (c) => c.references("actors.id").onDelete("set null"))
    .addColumn("starts_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("closed_at", "timestamptz")
    .execute();
  // At most one open questionnaire per group.
  await sql`create unique index outcome_questionnaires_open_idx on outcome_questionnaires (group_actor_id)
    where closed_at is null`.execute(db);
  await db.schema.createIndex("outcome_questionnaires_group_idx").on("outcome_questionnaires")
    .columns(["group_actor_id", "id desc"]).execute();

  // A member's consent: the text they agreed to, when, and whether their
  // pseudonymised answers may go into research exports.  Withdrawal keeps
  // the row (the record of what was agreed) until the account is erased.
  await db.schema.createTable("outcome_consents")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("questionnaire_id", "integer", (c) => c.notNull().references("outcome_questionnaires.id").onDelete("cascade"))
    .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("consent_text", "text", (c) => c.notNull())
    .addColumn("given_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("research", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("research_changed_at", "timestamptz")
    .addColumn("withdrawn_at", "timestamptz")
    .execute();
  await sql`create unique index outcome_consents_active_idx on outcome_consents (questionnaire_id, account_id)
    where withdrawn_at is null`.execute(db);
  await db.schema.createIndex("outcome_consents_account_idx").on("outcome_consents").column("account_id").execute();

  // One answer per member and period: the unique key enforces the period.
  await db.schema.createTable("outcome_answers")
    .addColumn("id", "integer", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("questionnaire_id", "integer", (c) => c.notNull().references("outcome_questionnaires.id").onDelete("cascade"))
    .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("period", "integer", (c) => c.notNull().check(sql`period >= 0`))
    .addColumn("responses", "jsonb", (c) => c.notNull())
    .addColumn("score", "double precision", (c) => c.notNull())
    .addColumn("answered_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint("outcome_answers_one_per_period", ["questionnaire_id", "account_id", "period"])
    .execute();
  await db.schema.createIndex("outcome_answers_period_idx").on("outcome_answers")
    .columns(["questionnaire_id", "period"]).execute();
  await db.schema.createIndex("outcome_answers_account_idx").on("outcome_answers").column("account_id").execute();

  // An ended period's figures, computed once; `answers` is the count they
  // come from, and the figures are null when it is under the threshold.
  await db.schema.createTable("outcome_period_summaries")
    .addColumn("questionnaire_id", "integer", (c) => c.notNull().references("outcome_questionnaires.id").onDelete("cascade"))
    .addColumn("period", "integer", (c) => c.notNull())
    .addColumn("answers", "integer", (c) => c.notNull())
    .addColumn("mean", "double precision")
    .addColumn("median", "double precision")
    .addColumn("bands", "jsonb")
    .addColumn("computed_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("outcome_period_summaries_pk", ["questionnaire_id", "period"])
    .execute();

  // New access-log subjects, added to whatever the check allows by now.
  await sql`
    do $$
    declare def text;
    begin
      select pg_get_constraintdef(oid) into def from pg_constraint
        where conname = 'access_log_subject_check' and conrelid = 'access_log'::regclass;
      alter table access_log drop constraint access_log_subject_check;
      if position('''outcome_aggregates''' in def) = 0 then
        def := replace(def, 'ARRAY[', 'ARRAY[''outcome_aggregates''::text, ''outcome_answers''::text, ');
      end if;
      execute 'alter table access_log add constraint access_log_subject_check ' || def;
    end $$`.execute(db);
}
