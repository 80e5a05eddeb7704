/**
 * The JSON API of outcome measures (registered on the authenticated API in
 * api.ts): a member's consent, answers and own trend; a group's managers'
 * questionnaire, aggregates and exports.  No route returns another member's
 * answers.
 */
import type { Context, Hono } from "hono";
import { routeOf } from "../access-log.ts";
import type { AppEnv } from "../app-env.ts";
import {
  answerQuestionnaire,
  changeResearchConsent,
  closeQuestionnaire,
  deleteOwnAnswers,
  deleteQuestionnaire,
  giveConsent,
  memberOutcomes,
  type MemberOutcomes,
  NoQuestionnaireError,
  participation,
  startQuestionnaire,
  withdrawConsent,
} from "../outcomes.ts";
import {
  exportAggregates,
  type ExportFile,
  exportResearchAnswers,
  instrumentJson,
  outcomeAggregates,
  periodJson,
  questionnaireJson,
} from "../outcome-aggregates.ts";
import { SUPPRESSION_THRESHOLD } from "../outcome-stats.ts";
import { ValidationError } from "../names.ts";
import { body, groupParam } from "./api-params.ts";

type C = Context<AppEnv>;

async function groupOr404(c: C) {
  const group = await groupParam(c);
  if (!group) throw new NoQuestionnaireError("no such group");
  return group;
}

/** The member's own view: the questionnaire, their consent, whether they are due, and their own answers. */
export function memberOutcomesJson(m: MemberOutcomes) {
  return {
    questionnaire: questionnaireJson(m.questionnaire),
    ...instrumentJson(m.instrument),
    me: {
      eligible: m.eligible,
      consented: m.consent != null,
      consentGivenAt: m.consent?.given_at.toISOString() ?? null,
      research: m.consent?.research ?? false,
      due: m.due,
      period: m.period + 1,
      nextPeriodAt: m.nextPeriodAt?.toISOString() ?? null,
      answers: m.answers.map((a) => ({
        period: a.period + 1,
        answeredAt: a.answered_at.toISOString(),
        score: a.score,
        responses: Object.fromEntries(m.instrument.items.map((item, i) => [item.id, a.responses[i] ?? null])),
      })),
    },
  };
}

function download(c: C, file: ExportFile) {
  c.header("Content-Type", file.contentType);
  c.header("Content-Disposition", `attachment; filename="${file.filename}"`);
  c.header("Cache-Control", "no-store");
  return c.body(file.body);
}

export function outcomesApi(api: Hono<AppEnv>): void {
  api.get("/outcome-instruments", (c) => c.json({ instruments: [...c.var.kindred.instruments.values()].map((i) => instrumentJson(i).instrument) }));

  api.get("/me/outcomes", async (c) => c.json({ questionnaires: await participation(c.var.kindred.fedify(), c.var.account) }));

  api.get("/groups/:groupId/outcomes", async (c) => {
    const group = await groupOr404(c);
    const m = await memberOutcomes(c.var.kindred.fedify(), c.var.kindred.instruments, c.var.account, c.var.actor, group);
    if (!m) throw new NoQuestionnaireError("this group has no questionnaire");
    return c.json(memberOutcomesJson(m));
  });

  api.post("/groups/:groupId/outcomes", async (c) => {
    const group = await groupOr404(c);
    const q = await startQuestionnaire(c.var.kindred.fedify(), c.var.kindred.instruments, c.var.account, c.var.actor, group, await body(c));
    return c.json({ questionnaire: questionnaireJson(q) }, 201);
  });

  api.post("/groups/:groupId/outcomes/close", async (c) => {
    const group = await groupOr404(c);
    await closeQuestionnaire(c.var.kindred.fedify(), c.var.account, group);
    return c.json({ closed: true });
  });

  api.delete("/groups/:groupId/outcomes", async (c) => {
    const group = await groupOr404(c);
    await deleteQuestionnaire(c.var.kindred.fedify(), c.var.account, group, (await body(c)).confirm);
    return c.json({ deleted: true });
  });

  api.post("/groups/:groupId/outcomes/consent", async (c) => {
    const group = await groupOr404(c);
    const ctx = c.var.kindred.fedify();
    await giveConsent(ctx, c.var.account, c.var.actor, group, await body(c));
    const m = (await memberOutcomes(ctx, c.var.kindred.instruments, c.var.account, c.var.actor, group))!;
    return c.json(memberOutcomesJson(m), 201);
  });

  api.patch("/groups/:groupId/outcomes/consent", async (c) => {
    const group = await groupOr404(c);
    const ctx = c.var.kindred.fedify();
    await changeResearchConsent(ctx, c.var.account, group, (await body(c)).research);
    return c.json(memberOutcomesJson((await memberOutcomes(ctx, c.var.kindred.instruments, c.var.account, c.var.actor, group))!));
  });

  api.delete("/groups/:groupId/outcomes/consent", async (c) => {
    const group = await groupOr404(c);
    const raw = c.req.header("content-length") === "0" || !c.req.header("content-type") ? {} : await body(c);
    const deleteAnswers = raw.deleteAnswers ?? false;
    if (typeof deleteAnswers !== "boolean") throw new ValidationError("deleteAnswers", "deleteAnswers must be true or false");
    const result = await withdrawConsent(c.var.kindred.fedify(), c.var.account, group, deleteAnswers);
    return c.json({ withdrawn: result.withdrawn, deletedAnswers: result.deleted });
  });

  api.get("/groups/:groupId/outcomes/answers", async (c) => {
    const group = await groupOr404(c);
    const m = await memberOutcomes(c.var.kindred.fedify(), c.var.kindred.instruments, c.var.account, c.var.actor, group);
    if (!m) throw new NoQuestionnaireError("this group has no questionnaire");
    return c.json({ answers: memberOutcomesJson(m).me.answers });
  });

  api.post("/groups/:groupId/outcomes/answers", async (c) => {
    const group = await groupOr404(c);
    const ctx = c.var.kindred.fedify();
    const answer = await answerQuestionnaire(ctx, c.var.kindred.instruments, c.var.account, c.var.actor, group, (await body(c)).answers);
    return c.json({ answer: { period: answer.period + 1, score: answer.score, answeredAt: answer.answered_at.toISOString() } }, 201);
  });

  api.delete("/groups/:groupId/outcomes/answers", async (c) => {
    const group = await groupOr404(c);
    return c.json({ deletedAnswers: await deleteOwnAnswers(c.var.kindred.fedify(), c.var.account, group) });
  });

  api.get("/groups/:groupId/outcomes/aggregates", async (c) => {
    const group = await groupOr404(c);
    const agg = await outcomeAggregates(c.var.kindred.fedify(), c.var.kindred.instruments, c.var.account, group);
    if (!agg) throw new NoQuestionnaireError("this group has no questionnaire");
    return c.json({
      questionnaire: questionnaireJson(agg.questionnaire),
      suppressionThreshold: SUPPRESSION_THRESHOLD,
      consentedMembers: agg.consented,
      researchMembers: agg.research,
      currentPeriod: agg.currentPeriod && { period: agg.currentPeriod.period + 1, endsAt: agg.currentPeriod.endsAt.toISOString() },
      bands: agg.bands.map((b) => b.label),
      periods: agg.periods.map(periodJson),
    });
  });

  api.get("/groups/:groupId/outcomes/export", async (c) => {
    const group = await groupOr404(c);
    const file = await exportAggregates(c.var.kindred.fedify(), c.var.kindred.instruments, c.var.account, group, c.req.query("format"), routeOf(c.req));
    return download(c, file);
  });

  api.get("/groups/:groupId/outcomes/research-export", async (c) => {
    const group = await groupOr404(c);
    const file = await exportResearchAnswers(c.var.kindred.fedify(), c.var.kindred.instruments, c.var.account, group, c.req.query("format"), routeOf(c.req));
    return download(c, file);
  });
}
