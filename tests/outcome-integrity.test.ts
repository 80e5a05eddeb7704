/**
 * Review fixes to outcome measures (issue 9, item 5), over real HTTP and the
 * real database:
 * - the research export takes rows only from the answers a period's frozen
 *   summary counted, so the remainder rule (counted minus exported: none or
 *   at least 10) is computed on the same set: an answer kept by a member who
 *   withdrew before the period was scored, and who later consents again with
 *   research, is not exported;
 * - no answer can be added to a period once it is scored, nor to a closed
 *   questionnaire, even by a request that read the questionnaire before;
 * - the group's managers' own answers count in the figures but not towards
 *   the 10: figures, bands, counts and research exports need 10 answers
 *   from members who are not managers (the boundary at 9 and 10).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertAnswer } from "../db/outcomes.ts";
import { api, apiOk, createLocalGroup, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance;
let owner: Member, moderator: Member;
const m: Member[] = [];
const ITEMS = Array.from({ length: 10 }, (_, i) => `gse${i + 1}`);
const CONSENT = "We collect your answers to the questionnaire. Only you see them; managers see group figures of at least ten answers. Kept until you delete them.";

function answersFor(seed: number): Record<string, number> {
  return Object.fromEntries(ITEMS.map((id, i) => [id, ((seed * 7 + i * 3 + seed * i) % 4) + 1]));
}

async function newGroup(slug: string): Promise<number> {
  await createLocalGroup(a, { slug, name: slug, owner: "warden" });
  const id = (await apiOk(owner, "POST", "/groups/follow", { handle: slug })).group.id;
  for (const member of [moderator, ...m]) await apiOk(member, "POST", "/groups/follow", { handle: slug });
  await apiOk(owner, "POST", `/groups/${id}/outcomes`, { instrument: "gse", periodDays: 28, consentText: CONSENT, researchExport: true });
  return id;
}

/** Moves the questionnaire's start back a whole period: the current period ends. */
async function endPeriod(groupId: number) {
  await sql`update outcome_questionnaires set starts_at = starts_at - interval '28 days' where group_actor_id = ${groupId}`
    .execute(a.kindred.database.db);
}

async function ids(groupId: number, member: Member) {
  const { rows } = await sql<{ q: number; account: number }>`
    select (select id from outcome_questionnaires where group_actor_id = ${groupId}) as q,
           (select id from accounts where username = ${member.username}) as account`.execute(a.kindred.database.db);
  return rows[0];
}

async function answerCount(q: number, account: number, period: number) {
  const { rows } = await sql<{ n: number }>`select cast(count(*) as int) as n from outcome_answers
    where questionnaire_id = ${q} and account_id = ${account} and period = ${period}`.execute(a.kindred.database.db);
  return rows[0].n;
}

async function consentAndAnswer(groupId: number, member: Member, seed: number, research: boolean) {
  await apiOk(member, "POST", `/groups/${groupId}/outcomes/consent`, { consent: true, research });
  await apiOk(member, "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(seed) });
}

beforeAll(async () => {
  a = await startInstance();
  owner = await createMember(a, "warden");
  moderator = await createMember(a, "steward");
  for (let i = 0; i < 13; i++) m.push(await createMember(a, `person${i}`));
}, 180_000);
afterAll(() => a?.stop());

describe("the research export takes rows only from what the frozen figures counted", () => {
  it("an answer kept through a withdrawal before the period was scored is not exported after a new research consent", async () => {
    const groupId = await newGroup("frozen-set");
    // Period 1: nine research answers, one without research, and person10 (research), who then
    // withdraws keeping their answer, before the period ends.
    for (let i = 0; i < 9; i++) await consentAndAnswer(groupId, m[i], i, true);
    await consentAndAnswer(groupId, m[9], 9, false);
    await consentAndAnswer(groupId, m[10], 10, true);
    expect(await apiOk(m[10], "DELETE", `/groups/${groupId}/outcomes/consent`, {})).toEqual({ withdrawn: true, deletedAnswers: 0 });
    await endPeriod(groupId);
    // The figures count ten answers: nine research, one not.
    const agg = await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`);
    expect(agg.periods[0]).toMatchObject({ answers: 10, suppressed: false });
    // person10 consents again, with research: their kept answer was not counted.
    await apiOk(m[10], "POST", `/groups/${groupId}/outcomes/consent`, { consent: true, research: true });
    expect((await apiOk(m[10], "GET", `/groups/${groupId}/outcomes/answers`)).answers).toHaveLength(1);
    // Ten research rows against ten counted answers would read as "nothing left over", and
    // the export would hold person10's answer, while person9's (no research) is what is left.
    const research = await api(owner, "GET", `/groups/${groupId}/outcomes/research-export?format=json`);
    expect(research.status).toBe(422);
    expect(research.json.error).toContain("no ended period can be exported");
    // The figures did not move.
    expect((await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`)).periods).toEqual(agg.periods);
  });
});

describe("no answer is added to a period once it is scored", () => {
  it("the store refuses an answer to a scored period, and to a closed questionnaire, from a request that read it before", async () => {
    const groupId = await newGroup("late-answers");
    for (let i = 0; i < 10; i++) await consentAndAnswer(groupId, m[i], i + 20, true);
    await apiOk(m[10], "POST", `/groups/${groupId}/outcomes/consent`, { consent: true, research: true });
    await endPeriod(groupId);
    const before = await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`);
    expect(before.periods[0]).toMatchObject({ answers: 10 });
    const { q, account } = await ids(groupId, m[10]);
    // A request that computed period 1 (index 0) before it ended, landing after it was scored.
    await insertAnswer(a.kindred.database.db, { questionnaireId: q, accountId: account, period: 0, responses: Array(10).fill(2), score: 20 });
    expect(await answerCount(q, account, 0)).toBe(0);
    // Exportable (ten research answers, nothing left over): and still exactly those ten.
    expect((await apiOk(owner, "GET", `/groups/${groupId}/outcomes/research-export?format=json`)).answers).toHaveLength(10);

    // A close: the current period (index 1) ends with it, and is scored when next read.
    await apiOk(owner, "POST", `/groups/${groupId}/outcomes/close`);
    await insertAnswer(a.kindred.database.db, { questionnaireId: q, accountId: account, period: 1, responses: Array(10).fill(3), score: 30 });
    expect(await answerCount(q, account, 1)).toBe(0);
    expect((await api(m[10], "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(1) })).status).toBe(404);
    const after = await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`);
    expect(after.periods).toHaveLength(2);
    expect(after.periods[0]).toEqual(before.periods[0]);
  });
});

describe("answers, a close and the scoring at the same moment", () => {
  it("every answer stored is in the figures, and every answer refused says why", async () => {
    const groupId = await newGroup("same-moment");
    for (let i = 0; i < 12; i++) await apiOk(m[i], "POST", `/groups/${groupId}/outcomes/consent`, { consent: true, research: true });
    const answering = m.slice(0, 12).map((member, i) => api(member, "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(i + 130) }));
    const closing = api(owner, "POST", `/groups/${groupId}/outcomes/close`);
    const reading = api(owner, "GET", `/groups/${groupId}/outcomes/aggregates`);
    const results = await Promise.all(answering);
    expect((await closing).status).toBe(200);
    expect((await reading).status).toBe(200);
    for (const r of results) {
      if (r.status !== 201) expect(r, "refused with a reason").toMatchObject({ status: 404, json: { error: "this group runs no questionnaire at the moment" } });
    }
    const stored = results.filter((r) => r.status === 201).length;
    const agg = await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`);
    expect(agg.periods).toHaveLength(1);
    const { q } = await ids(groupId, owner);
    const { rows } = await sql<{ answers: number; counted: number; summary: number }>`
      select cast(count(*) as int) as answers, cast(count(*) filter (where counted) as int) as counted,
             (select answers from outcome_period_summaries where questionnaire_id = ${q} and period = 0) as summary
      from outcome_answers where questionnaire_id = ${q}`.execute(a.kindred.database.db);
    expect(rows[0]).toEqual({ answers: stored, counted: stored, summary: stored });
  });
});

describe("managers' own answers do not count towards the 10", () => {
  let groupId: number;
  beforeAll(async () => {
    groupId = await newGroup("staff-answers");
    await apiOk(owner, "POST", `/groups/${groupId}/staff`, { handle: moderator.username, role: "moderator" });
  });

  it("nine members and the owner: suppressed; ten members and the owner: shown, with the owner's answer counted", async () => {
    await consentAndAnswer(groupId, owner, 50, true);
    for (let i = 0; i < 9; i++) await consentAndAnswer(groupId, m[i], i + 50, true);
    await endPeriod(groupId);
    const first = await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`);
    expect(first.periods[0]).toMatchObject({ suppressed: true, answers: null, mean: null, bands: null });
    // Ten people take part, but one of them is the manager looking.
    expect(first.consentedMembers).toBeNull();
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: "warden", password: "warden has a long password" });
    const page = text((await web.get(`/g/${groupId}/outcomes`)).html);
    expect(page).toContain("fewer than 10 answers: not shown");
    expect(page).toContain("Members taking part: fewer than 10");
    expect(page).toContain("and moderators, and this server&#39;s admins) are in the figures but do not count towards the 10");
    // Research: ten research answers, one of them the owner's: not exported.
    expect((await api(owner, "GET", `/groups/${groupId}/outcomes/research-export`)).status).toBe(422);

    const scores: number[] = [];
    await apiOk(owner, "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(70) });
    scores.push(Object.values(answersFor(70)).reduce((x, y) => x + y, 0));
    for (let i = 0; i < 10; i++) {
      if (i === 9) await apiOk(m[9], "POST", `/groups/${groupId}/outcomes/consent`, { consent: true, research: true });
      await apiOk(m[i], "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(i + 70) });
      scores.push(Object.values(answersFor(i + 70)).reduce((x, y) => x + y, 0));
    }
    await endPeriod(groupId);
    const second = await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`);
    const mean = Math.round((scores.reduce((x, y) => x + y, 0) / 11) * 10) / 10;
    expect(second.periods[1]).toMatchObject({ suppressed: false, answers: 11, mean });
    expect(second.consentedMembers).toBe(11);
    // Eleven research answers, ten of them not a manager's, nothing left over: exported, all eleven.
    const exported = await apiOk(owner, "GET", `/groups/${groupId}/outcomes/research-export?format=json`);
    expect(exported.answers.map((r: { score: number }) => r.score).sort()).toEqual([...scores].sort());
  });

  it("a moderator's answer is a manager's too", async () => {
    await consentAndAnswer(groupId, moderator, 90, false);
    for (let i = 0; i < 9; i++) await apiOk(m[i], "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(i + 90) });
    await endPeriod(groupId);
    expect((await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`)).periods[2]).toMatchObject({ suppressed: true, answers: null });
    await apiOk(m[9], "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(99) });
    for (let i = 0; i < 9; i++) await apiOk(m[i], "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(i + 110) });
    await apiOk(moderator, "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(110) });
    await endPeriod(groupId);
    expect((await apiOk(moderator, "GET", `/groups/${groupId}/outcomes/aggregates`)).periods[3]).toMatchObject({ suppressed: false, answers: 11 });
  });
});
