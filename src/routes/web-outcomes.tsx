/**
 * Outcome measures on the web: the managers' page (`/g/N/outcomes`: start,
 * close, aggregates, exports) and the member's own page (`/g/N/outcomes/me`:
 * consent, answers, trend, withdrawal).
 */
import { Hono } from "hono";
import type { Actor } from "../../db/schema.ts";
import { routeOf } from "../access-log.ts";
import type { AppEnv } from "../app-env.ts";
import { ValidationError } from "../names.ts";
import {
  answerQuestionnaire,
  changeResearchConsent,
  closeQuestionnaire,
  CONSENT_TEMPLATE,
  deleteOwnAnswers,
  deleteQuestionnaire,
  giveConsent,
  memberOutcomes,
  NoQuestionnaireError,
  participation,
  startQuestionnaire,
  withdrawConsent,
} from "../outcomes.ts";
import { exportAggregates, type ExportFile, exportResearchAnswers, outcomeAggregates } from "../outcome-aggregates.ts";
import { MemberOutcomesPage, ParticipationPage } from "../pages/outcome-member.tsx";
import { OutcomesManagerPage, type StartValues } from "../pages/outcomes.tsx";
import { groupPath } from "../pages/page-info.ts";
import { findGroupActorById } from "../web-groups.ts";
import { type C, formFields, pageInfo, positiveInt, toLogin } from "./web-common.ts";

const groupOf = (c: C) => findGroupActorById(c.var.kindred.fedify(), positiveInt(c.req.param("id")));

const NOTICES: Record<string, string> = {
  started: "The questionnaire has started. Members see it on the group page and choose whether to take part.",
  closed: "The questionnaire is closed. Members are no longer asked.",
  consented: "Thank you. You are taking part.",
  answered: "Thank you. Your answers are saved; only you see them.",
  research: "Your choice about research is saved.",
  withdrawn: "You no longer take part. Nobody is told.",
  "withdrawn-deleted": "You no longer take part, and your answers are deleted.",
  deleted: "Your answers are deleted.",
  "deleted-questionnaire": "The questionnaire is deleted, with every member's consent and answers and its figures.",
};

function download(c: C, file: ExportFile) {
  return c.body(file.body, 200, {
    "Content-Type": file.contentType,
    "Content-Disposition": `attachment; filename="${file.filename}"`,
    "Cache-Control": "no-store",
  });
}

export function webOutcomeRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const managerPage = async (c: C, group: Actor, extra: { values?: StartValues; errors?: string[] } = {}, status: 200 | 422 = 200) => {
    const viewer = c.var.viewer!;
    const agg = await outcomeAggregates(c.var.kindred.fedify(), c.var.kindred.instruments, viewer.account, group);
    return c.html(
      <OutcomesManagerPage page={pageInfo(c)} groupId={group.id} groupName={group.name ?? group.username}
        groupHref={groupPath(group)} instruments={c.var.kindred.instruments} agg={agg} consentTemplate={CONSENT_TEMPLATE}
        notice={NOTICES[c.req.query("done") ?? ""]} {...extra} />,
      status,
    );
  };

  const memberPage = async (c: C, group: Actor, extra: { errors?: string[]; values?: Record<string, string> } = {}, status: 200 | 422 = 200) => {
    const viewer = c.var.viewer!;
    const m = await memberOutcomes(c.var.kindred.fedify(), c.var.kindred.instruments, viewer.account, viewer.actor, group);
    if (!m) throw new NoQuestionnaireError("this group has no questionnaire");
    return c.html(
      <MemberOutcomesPage page={pageInfo(c)} groupId={group.id} groupName={group.name ?? group.username}
        groupHref={groupPath(group)} m={m} notice={NOTICES[c.req.query("done") ?? ""]} {...extra} />,
      status,
    );
  };

  app.get("/g/:id{[0-9]+}/outcomes", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await groupOf(c);
    return group ? await managerPage(c, group) : c.notFound();
  });

  app.post("/g/:id{[0-9]+}/outcomes", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const group = await groupOf(c);
    if (!group) return c.notFound();
    const f = await formFields(c);
    try {
      await startQuestionnaire(c.var.kindred.fedify(), c.var.kindred.instruments, viewer.account, viewer.actor, group, {
        instrument: f.instrument,
        periodDays: f.periodDays,
        consentText: f.consentText,
        researchExport: f.researchExport === "yes",
      });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return await managerPage(c, group, { values: f, errors: [error.message] }, 422);
    }
    return c.redirect(`/g/${group.id}/outcomes?done=started`, 303);
  });

  app.post("/g/:id{[0-9]+}/outcomes/close", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const group = await groupOf(c);
    if (!group) return c.notFound();
    await closeQuestionnaire(c.var.kindred.fedify(), viewer.account, group);
    return c.redirect(`/g/${group.id}/outcomes?done=closed`, 303);
  });

  app.post("/g/:id{[0-9]+}/outcomes/delete", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const group = await groupOf(c);
    if (!group) return c.notFound();
    const f = await formFields(c);
    try {
      await deleteQuestionnaire(c.var.kindred.fedify(), viewer.account, group, f.confirm);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return await managerPage(c, group, { errors: [error.message] }, 422);
    }
    return c.redirect(`/g/${group.id}/outcomes?done=deleted-questionnaire`, 303);
  });

  app.get("/g/:id{[0-9]+}/outcomes/export", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const group = await groupOf(c);
    if (!group) return c.notFound();
    return download(c, await exportAggregates(c.var.kindred.fedify(), c.var.kindred.instruments, viewer.account, group, c.req.query("format"), routeOf(c.req)));
  });

  app.get("/g/:id{[0-9]+}/outcomes/research-export", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const group = await groupOf(c);
    if (!group) return c.notFound();
    return download(c, await exportResearchAnswers(c.var.kindred.fedify(), c.var.kindred.instruments, viewer.account, group, c.req.query("format"), routeOf(c.req)));
  });

  app.get("/g/:id{[0-9]+}/outcomes/me", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await groupOf(c);
    return group ? await memberPage(c, group) : c.notFound();
  });

  /** A member's form: ValidationError shows the page again with the message (and the answers kept). */
  const memberAction = (path: string, act: (c: C, group: Actor, f: Record<string, string>) => Promise<string>) =>
    app.post(`/g/:id{[0-9]+}/outcomes/me/${path}`, async (c) => {
      const viewer = c.var.viewer;
      if (!viewer) return toLogin(c);
      const group = await groupOf(c);
      if (!group) return c.notFound();
      const f = await formFields(c);
      let done: string;
      try {
        done = await act(c, group, f);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return await memberPage(c, group, { errors: [error.message], values: f }, 422);
      }
      return c.redirect(`/g/${group.id}/outcomes/me?done=${done}`, 303);
    });

  app.get("/settings/outcomes", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const { instruments } = c.var.kindred;
    const items = (await participation(c.var.kindred.fedify(), viewer.account))
      .map((p) => ({ ...p, instrumentTitle: instruments.get(p.instrument)?.title ?? p.instrument }));
    return c.html(<ParticipationPage page={pageInfo(c)} items={items} />);
  });

  memberAction("consent", async (c, group, f) => {
    await giveConsent(c.var.kindred.fedify(), c.var.viewer!.account, c.var.viewer!.actor, group, { consent: f.consent, research: f.research });
    return "consented";
  });

  memberAction("answers", async (c, group, f) => {
    const { _csrf: _, ...answers } = f;
    await answerQuestionnaire(c.var.kindred.fedify(), c.var.kindred.instruments, c.var.viewer!.account, c.var.viewer!.actor, group, answers);
    return "answered";
  });

  memberAction("research", async (c, group, f) => {
    await changeResearchConsent(c.var.kindred.fedify(), c.var.viewer!.account, group, f.research);
    return "research";
  });

  memberAction("withdraw", async (c, group, f) => {
    const deleteAnswers = f.delete_answers === "yes";
    await withdrawConsent(c.var.kindred.fedify(), c.var.viewer!.account, group, deleteAnswers);
    return deleteAnswers ? "withdrawn-deleted" : "withdrawn";
  });

  memberAction("delete-answers", async (c, group) => {
    await deleteOwnAnswers(c.var.kindred.fedify(), c.var.viewer!.account, group);
    return "deleted";
  });

  return app;
}
