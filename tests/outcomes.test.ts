/**
 * Opt-in outcome measures (issue 9, item 5) over real HTTP: a manager starts
 * a group's questionnaire (bad input refused with nothing saved); members
 * consent, answer once per period and see only their own answers; managers
 * see only ended periods' aggregates, with every figure suppressed below 10
 * answers (the 9 vs 10 boundary in the page, the API and the exports);
 * research exports carry only research-consenting members' answers, without
 * identifiers, and are logged; withdrawal, deletion, data export and
 * account erasure.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiOk, createLocalGroup, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance;
let owner: Member, outsider: Member;
/** m[0]..m[9] consent with research; m[10] without; m[11] never consents. */
const m: Member[] = [];
let groupId: number;
let ownerWeb: WebClient;
const ITEMS = Array.from({ length: 10 }, (_, i) => `gse${i + 1}`);
const CONSENT = "We collect your answers to the questionnaire. Only you see them; managers see group figures of at least ten answers. Kept until you delete them.";

/** A member's answers: a pseudo-random value per item from a seed, so that every member differs. */
function answersFor(seed: number): Record<string, number> {
  return Object.fromEntries(ITEMS.map((id, i) => [id, ((seed * 7 + i * 3 + seed * i) % 4) + 1]));
}
const scoreOf = (answers: Record<string, number>) => Object.values(answers).reduce((x, y) => x + y, 0);
const round1 = (n: number) => Math.round(n * 10) / 10;
function medianOf(values: number[]) {
  const s = [...values].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Moves the questionnaire's start back a whole period: the current period ends. */
async function endPeriod() {
  await sql`update outcome_questionnaires set starts_at = starts_at - interval '28 days' where group_actor_id = ${groupId}`
    .execute(a.kindred.database.db);
}

async function count(table: string, where = sql`true`) {
  const { rows } = await sql<{ n: number }>`select cast(count(*) as int) as n from ${sql.table(table)} where ${where}`
    .execute(a.kindred.database.db);
  return rows[0].n;
}

async function accountId(member: Member) {
  const { rows } = await sql<{ id: number }>`select id from accounts where username = ${member.username}`.execute(a.kindred.database.db);
  return rows[0].id;
}

/** The raw text of an API download. */
async function download(member: Member, path: string) {
  const res = await fetch(new URL(`/api/v1${path}`, a.url), { headers: { Authorization: `Bearer ${member.token}` } });
  return { status: res.status, type: res.headers.get("content-type"), disposition: res.headers.get("content-disposition"), body: await res.text() };
}

beforeAll(async () => {
  a = await startInstance();
  owner = await createMember(a, "keeper");
  outsider = await createMember(a, "outsider");
  for (let i = 0; i < 12; i++) m.push(await createMember(a, `member${i}`));
  await createLocalGroup(a, { slug: "measures", name: "Measures", owner: "keeper" });
  groupId = (await apiOk(owner, "POST", "/groups/follow", { handle: "measures" })).group.id;
  for (const member of m) await apiOk(member, "POST", "/groups/follow", { handle: "measures" });
  ownerWeb = new WebClient(a);
  await ownerWeb.submit("/login", "/login", { username: "keeper", password: "keeper has a long password" });
}, 180_000);
afterAll(() => a?.stop());

describe("starting a questionnaire", () => {
  it("is refused to members, and bad input on the web form is shown again with nothing saved", async () => {
    const refused = await api(m[0], "POST", `/groups/${groupId}/outcomes`, { instrument: "gse", periodDays: 28, consentText: CONSENT });
    expect(refused.status).toBe(403);
    expect((await api(m[0], "GET", `/groups/${groupId}/outcomes/aggregates`)).status).toBe(403);

    const page = await ownerWeb.get(`/g/${groupId}/outcomes`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("General Self-Efficacy Scale");
    expect(page.html).toContain("Schwarzer");
    const short = await ownerWeb.post(`/g/${groupId}/outcomes`, { instrument: "gse", periodDays: "28", consentText: "Too short <b>x</b>" }, page.html);
    expect(short.status).toBe(422);
    expect(text(short.html)).toContain("the consent text must say what is collected");
    expect(short.html).toContain("Too short &lt;b&gt;x&lt;/b&gt;</textarea>");
    const period = await api(owner, "POST", `/groups/${groupId}/outcomes`, { instrument: "gse", periodDays: 3, consentText: CONSENT });
    expect(period.status).toBe(422);
    expect(period.json.field).toBe("periodDays");
    const unknown = await api(owner, "POST", `/groups/${groupId}/outcomes`, { instrument: "phq9", periodDays: 28, consentText: CONSENT });
    expect(unknown.json.field).toBe("instrument");
    expect(await count("outcome_questionnaires")).toBe(0);
    expect((await api(m[0], "GET", `/groups/${groupId}/outcomes`)).status).toBe(404);
  });

  it("starts from the web form, once", async () => {
    const page = await ownerWeb.get(`/g/${groupId}/outcomes`);
    const started = await ownerWeb.post(`/g/${groupId}/outcomes`, { instrument: "gse", periodDays: "28", consentText: CONSENT, researchExport: "yes" }, page.html);
    expect(started.status).toBe(200);
    expect(started.url.search).toBe("?done=started");
    expect(started.html).toContain("No period has ended yet");
    const again = await api(owner, "POST", `/groups/${groupId}/outcomes`, { instrument: "gse", periodDays: 28, consentText: CONSENT });
    expect(again.status).toBe(422);
    expect(again.json.error).toContain("already runs a questionnaire");
    const q = await apiOk(m[0], "GET", `/groups/${groupId}/outcomes`);
    expect(q.questionnaire).toMatchObject({ instrument: "gse", periodDays: 28, consentText: CONSENT, researchExport: true });
    expect(q.instrument.items).toHaveLength(10);
    expect(q.me).toMatchObject({ eligible: true, consented: false, due: false, answers: [] });
  });
});

describe("members who have not consented", () => {
  it("are never told it is due, and their answers are refused with nothing saved", async () => {
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: m[11].username, password: `${m[11].username} has a long password` });
    const group = await web.get("/@measures");
    expect(group.html).not.toContain("Your questionnaire is due");
    expect(group.html).toContain(`href="/g/${groupId}/outcomes/me"`);
    const answer = await api(m[11], "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(99) });
    expect(answer.status).toBe(403);
    expect(answer.json.error).toContain("consent");
    // Nor may a non-member consent or answer; and a consent needs the box ticked.
    expect((await api(outsider, "POST", `/groups/${groupId}/outcomes/consent`, { consent: true })).status).toBe(403);
    const unticked = await api(m[11], "POST", `/groups/${groupId}/outcomes/consent`, { consent: false });
    expect(unticked.status).toBe(422);
    expect(await count("outcome_answers")).toBe(0);
    expect(await count("outcome_consents")).toBe(0);
  });
});

describe("consenting and answering", () => {
  it("a member consents and answers on the web; the group page says it is due only until they answer", async () => {
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: m[0].username, password: `${m[0].username} has a long password` });
    const me = await web.get(`/g/${groupId}/outcomes/me`);
    expect(me.html).toContain("Taking part is your choice");
    expect(text(me.html)).toContain("We collect your answers to the questionnaire.");
    const consented = await web.post(`/g/${groupId}/outcomes/me/consent`, { consent: "yes", research: "yes" }, me.html);
    expect(consented.url.search).toBe("?done=consented");
    expect(consented.html).toContain("Your questionnaire for period 1");
    expect((await web.get("/@measures")).html).toContain("Your questionnaire is due");
    // A bad answer: the form again, with the message and the answers kept; nothing saved.
    const fields = Object.fromEntries(Object.entries(answersFor(0)).map(([k, v]) => [k, String(v)]));
    const bad = await web.post(`/g/${groupId}/outcomes/me/answers`, { ...fields, gse2: "9" }, consented.html);
    expect(bad.status).toBe(422);
    expect(text(bad.html)).toContain("statement 2: choose one of the answers offered");
    expect(bad.html).toMatch(new RegExp(`id="gse1-${fields.gse1}" value="${fields.gse1}" checked`));
    expect(await count("outcome_answers")).toBe(0);
    const few = await web.post(`/g/${groupId}/outcomes/me/answers`, { gse1: "2", gse2: "3" }, consented.html);
    expect(few.status).toBe(422);
    expect(text(few.html)).toContain("answer at least 7 of the 10 statements (you answered 2)");
    const saved = await web.post(`/g/${groupId}/outcomes/me/answers`, fields, consented.html);
    expect(saved.url.search).toBe("?done=answered");
    expect(saved.html).toContain(`<td>${scoreOf(answersFor(0))}</td>`);
    expect(saved.html).toContain("You have answered for this period");
    expect((await web.get("/@measures")).html).not.toContain("Your questionnaire is due");
  });

  it("refuses a second answer in the same period, and invalid answers in the API, with nothing saved", async () => {
    const twice = await api(m[0], "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(1) });
    expect(twice.status).toBe(422);
    expect(twice.json.field).toBe("period");
    expect(twice.json.error).toContain("already answered for this period");
    await apiOk(m[1], "POST", `/groups/${groupId}/outcomes/consent`, { consent: true, research: true });
    for (const answers of [{ ...answersFor(1), gse3: 0 }, { ...answersFor(1), extra: 2 }, "all fours", { gse1: 4 }]) {
      expect((await api(m[1], "POST", `/groups/${groupId}/outcomes/answers`, { answers })).status).toBe(422);
    }
    expect(await count("outcome_answers")).toBe(1);
    expect((await apiOk(m[1], "GET", `/groups/${groupId}/outcomes`)).me.due).toBe(true);
  });
});

/** Scores of each period, as the test submitted them. */
const period1: number[] = [];
const period2: number[] = [];
const period3: number[] = [];
const period4: number[] = [];

describe("the suppression rule at its boundary", () => {
  it("nine answers: every figure suppressed in the page, the API and the exports", async () => {
    period1.push(scoreOf(answersFor(0)));
    for (let i = 1; i < 9; i++) {
      if (i > 1) await apiOk(m[i], "POST", `/groups/${groupId}/outcomes/consent`, { consent: true, research: true });
      await apiOk(m[i], "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(i) });
      period1.push(scoreOf(answersFor(i)));
    }
    expect(period1).toHaveLength(9);
    // Before the period ends, nothing at all.
    expect((await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`)).periods).toEqual([]);
    await endPeriod();
    const agg = await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`);
    expect(agg.suppressionThreshold).toBe(10);
    expect(agg.consentedMembers).toBeNull();
    expect(agg.periods).toHaveLength(1);
    expect(agg.periods[0]).toMatchObject({ period: 1, suppressed: true, answers: null, mean: null, median: null, bands: null, note: "fewer than 10 answers: not shown" });
    const page = await ownerWeb.get(`/g/${groupId}/outcomes`);
    expect(page.html).toContain("fewer than 10 answers: not shown");
    const mean = round1(period1.reduce((x, y) => x + y, 0) / 9);
    expect(text(page.html)).not.toContain(`${mean} `);
    expect(text(page.html)).toContain("Members taking part: fewer than 10");
    const csv = await download(owner, `/groups/${groupId}/outcomes/export?format=csv`);
    expect(csv.type).toContain("text/csv");
    expect(csv.disposition).toContain("attachment");
    const rows = csv.body.trim().split("\r\n");
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(/^1,\d{4}-\d\d-\d\d,\d{4}-\d\d-\d\d,,,,,,,,fewer than 10 answers: not shown$/);
    const json = JSON.parse((await download(owner, `/groups/${groupId}/outcomes/export?format=json`)).body);
    expect(json.periods[0]).toMatchObject({ suppressed: true, answers: null, mean: null });
    // Nine research-consenting members: no research export.
    const research = await api(owner, "GET", `/groups/${groupId}/outcomes/research-export?format=json`);
    expect(research.status).toBe(422);
    expect(research.json.error).toContain("no ended period can be exported");
  });

  it("ten answers: the figures are shown, and they are right", async () => {
    // Period 2: members 1..9 and member 10 (who did not give the research consent).
    await apiOk(m[9], "POST", `/groups/${groupId}/outcomes/consent`, { consent: true, research: true });
    await apiOk(m[10], "POST", `/groups/${groupId}/outcomes/consent`, { consent: true });
    for (let i = 1; i <= 10; i++) {
      const answers = answersFor(i + 20);
      await apiOk(m[i], "POST", `/groups/${groupId}/outcomes/answers`, { answers });
      period2.push(scoreOf(answers));
    }
    await endPeriod();
    const agg = await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`);
    expect(agg.consentedMembers).toBe(11);
    expect(agg.researchMembers).toBe(10);
    expect(agg.periods).toHaveLength(2);
    // Period 1 stays suppressed: its figures were fixed when it ended.
    expect(agg.periods[0]).toMatchObject({ suppressed: true, answers: null });
    const mean = round1(period2.reduce((x, y) => x + y, 0) / 10);
    const median = round1(medianOf(period2));
    const p = agg.periods[1];
    expect(p).toMatchObject({ period: 2, suppressed: false, answers: 10, mean, median });
    // Bands of fewer than 10 members are not shown (with 10 answers, all but a band holding everyone).
    const perBand = [0, 0, 0, 0];
    for (const s of period2) perBand[Math.min(3, Math.floor((s - 10) / 7.5))]++;
    expect(p.bands.map((b: { members: number | null }) => b.members)).toEqual(perBand.map((n) => (n >= 10 ? n : null)));

    const page = await ownerWeb.get(`/g/${groupId}/outcomes`);
    expect(page.html).toMatch(new RegExp(`<td>10</td><td>${mean}</td><td>${median}</td>`));
    const csv = (await download(owner, `/groups/${groupId}/outcomes/export?format=csv`)).body.trim().split("\r\n");
    expect(csv[2]).toMatch(new RegExp(`^2,[0-9-]+,[0-9-]+,10,${mean},${median},`));
    const json = JSON.parse((await download(owner, `/groups/${groupId}/outcomes/export?format=json`)).body);
    expect(json.periods[1]).toMatchObject({ answers: 10, mean, median, suppressed: false });
  });

  it("the research export: only research-consenting members, only periods that give nobody away, new random ids, no names, dates of the period only", async () => {
    // Periods 1 and 2 each hold 9 research answers: nothing to export yet.
    const none = await api(owner, "GET", `/groups/${groupId}/outcomes/research-export`);
    expect(none.status).toBe(422);
    expect(none.json.error).toContain("no ended period can be exported");
    // Period 3: members 0..9 (research) and member 10 (no research consent). Its figures
    // count 11 answers: exporting the 10 would give member 10's score by subtraction.
    for (let i = 0; i <= 10; i++) {
      const answers = answersFor(i + 40);
      await apiOk(m[i], "POST", `/groups/${groupId}/outcomes/answers`, { answers });
      period3.push(scoreOf(answers));
    }
    await endPeriod();
    expect((await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`)).periods[2]).toMatchObject({ answers: 11 });
    expect((await api(owner, "GET", `/groups/${groupId}/outcomes/research-export`)).status).toBe(422);
    // Period 4: members 0..9 only.
    for (let i = 0; i <= 9; i++) {
      const answers = answersFor(i + 60);
      await apiOk(m[i], "POST", `/groups/${groupId}/outcomes/answers`, { answers });
      period4.push(scoreOf(answers));
    }
    await endPeriod();
    const first = await download(owner, `/groups/${groupId}/outcomes/research-export?format=json`);
    expect(first.status).toBe(200);
    const data = JSON.parse(first.body);
    expect(data.answers).toHaveLength(10);
    expect(data.answers.every((r: { period: number }) => r.period === 4)).toBe(true);
    const ids = new Set(data.answers.map((r: { participant: string }) => r.participant));
    expect(ids.size).toBe(10);
    const expected = [...period4].sort((x, y) => x - y);
    expect(data.answers.map((r: { score: number }) => r.score).sort((x: number, y: number) => x - y)).toEqual(expected);
    for (const r of data.answers) expect(Object.keys(r).sort()).toEqual(["participant", "period", "periodStart", "responses", "score"]);
    for (const member of [...m, owner]) expect(first.body).not.toContain(member.username);
    expect(data.answers.every((r: { periodStart: string }) => /^\d{4}-\d\d-\d\d$/.test(r.periodStart))).toBe(true);
    const again = JSON.parse((await download(owner, `/groups/${groupId}/outcomes/research-export?format=json`)).body);
    const againIds = new Set(again.answers.map((r: { participant: string }) => r.participant));
    expect([...ids].some((id) => againIds.has(id))).toBe(false);
    const csv = await download(owner, `/groups/${groupId}/outcomes/research-export?format=csv`);
    expect(csv.body.split("\r\n")[0]).toBe(`participant,period,period_start,score,${ITEMS.join(",")}`);
    expect(csv.body.trim().split("\r\n")).toHaveLength(11);
    // Members may not export.
    expect((await api(m[0], "GET", `/groups/${groupId}/outcomes/research-export`)).status).toBe(403);
    expect((await api(m[0], "GET", `/groups/${groupId}/outcomes/export`)).status).toBe(403);
  });

  it("every export is in the access log", async () => {
    const log = await apiOk(owner, "GET", `/groups/${groupId}/access-log`);
    const subjects = log.entries.map((e: { subject: string }) => e.subject);
    expect(subjects.filter((s: string) => s === "outcome_aggregates")).toHaveLength(4);
    expect(subjects.filter((s: string) => s === "outcome_answers")).toHaveLength(3);
    expect(log.entries[0]).toMatchObject({ username: "keeper", role: "owner", route: `GET /api/v1/groups/${groupId}/outcomes/research-export` });
  });
});

describe("who sees answers", () => {
  it("members see only their own; the manager sees none through any route", async () => {
    const own = await apiOk(m[1], "GET", `/groups/${groupId}/outcomes/answers`);
    expect(own.answers.map((x: { score: number }) => x.score)).toEqual([period1[1], period2[0], period3[1], period4[1]]);
    expect(own.answers[0].responses).toEqual(answersFor(1));
    // The manager did not answer: their "own answers" are empty, whatever they ask.
    expect((await apiOk(owner, "GET", `/groups/${groupId}/outcomes/answers`)).answers).toEqual([]);
    const managerView = JSON.stringify([
      await apiOk(owner, "GET", `/groups/${groupId}/outcomes`),
      await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`),
      (await ownerWeb.get(`/g/${groupId}/outcomes`)).html,
      (await ownerWeb.get(`/g/${groupId}/outcomes/me`)).html,
      (await download(owner, `/groups/${groupId}/outcomes/export?format=json`)).body,
    ]);
    for (const member of m) expect(managerView).not.toContain(member.username);
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: m[1].username, password: `${m[1].username} has a long password` });
    const trend = await web.get(`/g/${groupId}/outcomes/me`);
    expect(trend.html).toContain(`<td>${period1[1]}</td>`);
    expect(trend.html).toContain(`<td>${period2[0]}</td>`);
    expect(trend.html).toContain('<svg viewBox="0 0 600 220" role="img"');
  });
});

describe("a private group", () => {
  it("hides its questionnaire from non-members, and a member who left still reaches their own answers", async () => {
    const privateGroup = await createLocalGroup(a, { slug: "closed-circle", name: "Closed circle", owner: "keeper", visibility: "private" });
    const privateId = (await apiOk(owner, "POST", "/groups/follow", { handle: "closed-circle" })).group.id;
    expect(privateGroup).toBeTruthy();
    await apiOk(owner, "POST", `/groups/${privateId}/outcomes`, { instrument: "gse", periodDays: 14, consentText: CONSENT });
    expect((await api(outsider, "GET", `/groups/${privateId}/outcomes`)).status).toBe(404);
    expect((await api(outsider, "POST", `/groups/${privateId}/outcomes/consent`, { consent: true })).status).toBe(403);
    await apiOk(m[11], "POST", "/groups/follow", { handle: "closed-circle" });
    // Pending: not a member yet, not asked.
    expect((await api(m[11], "POST", `/groups/${privateId}/outcomes/consent`, { consent: true })).status).toBe(403);
    const { rows } = await sql<{ id: number }>`select id from actors where username = ${m[11].username}`.execute(a.kindred.database.db);
    await apiOk(owner, "POST", `/groups/${privateId}/requests/${rows[0].id}/approve`);
    await apiOk(m[11], "POST", `/groups/${privateId}/outcomes/consent`, { consent: true });
    await apiOk(m[11], "POST", `/groups/${privateId}/outcomes/answers`, { answers: answersFor(11) });
    await apiOk(m[11], "POST", `/groups/${privateId}/leave`);
    const after = await apiOk(m[11], "GET", `/groups/${privateId}/outcomes`);
    expect(after.me).toMatchObject({ eligible: false, due: false, consented: true });
    expect(after.me.answers.map((x: { score: number }) => x.score)).toEqual([scoreOf(answersFor(11))]);
    expect((await api(m[11], "POST", `/groups/${privateId}/outcomes/answers`, { answers: answersFor(12) })).status).toBe(403);
    const mine = await apiOk(m[11], "GET", "/me/outcomes");
    expect(mine.questionnaires).toEqual([expect.objectContaining({ groupId: privateId, consented: true, answers: 1, closed: false })]);
    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: m[11].username, password: `${m[11].username} has a long password` });
    const list = await web.get("/settings/outcomes");
    expect(list.html).toContain(`<a href="/g/${privateId}/outcomes/me">General Self-Efficacy Scale</a>`);
    expect(list.html).toContain("Closed circle");
    const page = await web.get(`/g/${privateId}/outcomes/me`);
    const withdrawn = await web.post(`/g/${privateId}/outcomes/me/withdraw`, { delete_answers: "yes" }, page.html);
    expect(withdrawn.url.search).toBe("?done=withdrawn-deleted");
    expect((await apiOk(m[11], "GET", "/me/outcomes")).questionnaires).toEqual([expect.objectContaining({ consented: false, answers: 0 })]);
    // Nothing left of theirs: the page is gone for them, as for any non-member.
    expect((await api(m[11], "GET", `/groups/${privateId}/outcomes`)).status).toBe(404);
  });
});

describe("withdrawal, deletion and data rights", () => {
  it("withdrawing keeps the answers for the member alone unless they delete them; ended figures do not change", async () => {
    const before = await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`);
    const kept = await apiOk(m[3], "DELETE", `/groups/${groupId}/outcomes/consent`, {});
    expect(kept).toEqual({ withdrawn: true, deletedAnswers: 0 });
    expect((await apiOk(m[3], "GET", `/groups/${groupId}/outcomes/answers`)).answers).toHaveLength(4);
    const refused = await api(m[3], "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(3) });
    expect(refused.status).toBe(403);
    expect((await apiOk(m[3], "GET", `/groups/${groupId}/outcomes`)).me).toMatchObject({ consented: false, due: false });

    const web = new WebClient(a);
    await web.submit("/login", "/login", { username: m[4].username, password: `${m[4].username} has a long password` });
    const page = await web.get(`/g/${groupId}/outcomes/me`);
    const gone = await web.post(`/g/${groupId}/outcomes/me/withdraw`, { delete_answers: "yes" }, page.html);
    expect(gone.url.search).toBe("?done=withdrawn-deleted");
    expect(await count("outcome_answers", sql`account_id = ${await accountId(m[4])}`)).toBe(0);
    expect((await web.get("/@measures")).html).not.toContain("Your questionnaire is due");
    const after = await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`);
    expect(after.periods).toEqual(before.periods);
    expect(after.consentedMembers).toBeNull();
    // Withdrawn members' answers are no longer exported for research: period 4 would hold 8
    // research answers (and the 2 left over could be worked out).
    expect((await api(owner, "GET", `/groups/${groupId}/outcomes/research-export`)).status).toBe(422);
    // Deleting without withdrawing, later: the member's choice too.
    expect((await apiOk(m[3], "DELETE", `/groups/${groupId}/outcomes/answers`)).deletedAnswers).toBe(4);
  });

  it("the member's data export holds their consents and answers; deleting the account deletes them", async () => {
    const exported = await apiOk(m[2], "GET", "/me/export");
    expect(exported.data.outcomes.consents).toHaveLength(1);
    expect(exported.data.outcomes.consents[0]).toMatchObject({ instrument: "gse", research: true, consent_text: CONSENT });
    expect(exported.data.outcomes.answers.map((x: { score: number }) => x.score)).toEqual([period1[2], period2[1], period3[2], period4[2]]);
    const id = await accountId(m[2]);
    await apiOk(m[2], "DELETE", "/me", { password: `${m[2].username} has a long password` });
    expect(await count("outcome_answers", sql`account_id = ${id}`)).toBe(0);
    expect(await count("outcome_consents", sql`account_id = ${id}`)).toBe(0);
  });

  it("closing: members are no longer asked, figures stay", async () => {
    await apiOk(owner, "POST", `/groups/${groupId}/outcomes/close`);
    expect((await apiOk(m[5], "GET", `/groups/${groupId}/outcomes`)).me.due).toBe(false);
    expect((await api(m[5], "POST", `/groups/${groupId}/outcomes/answers`, { answers: answersFor(5) })).status).toBe(404);
    const agg = await apiOk(owner, "GET", `/groups/${groupId}/outcomes/aggregates`);
    expect(agg.periods[1]).toMatchObject({ answers: 10 });
    expect(agg.currentPeriod).toBeNull();
    // The research consent can still be taken back (exports of a closed questionnaire go on), not given.
    expect((await apiOk(m[5], "PATCH", `/groups/${groupId}/outcomes/consent`, { research: false })).me.research).toBe(false);
    expect((await api(m[5], "PATCH", `/groups/${groupId}/outcomes/consent`, { research: true })).status).toBe(422);
    expect((await apiOk(m[5], "GET", `/groups/${groupId}/outcomes`)).me.consented).toBe(true);
  });

  it("deleting the closed questionnaire deletes every consent, answer and figure; only managers, only with confirmation", async () => {
    expect((await api(m[5], "DELETE", `/groups/${groupId}/outcomes`, { confirm: true })).status).toBe(403);
    const page = await ownerWeb.get(`/g/${groupId}/outcomes`);
    const unconfirmed = await ownerWeb.post(`/g/${groupId}/outcomes/delete`, {}, page.html);
    expect(unconfirmed.status).toBe(422);
    expect(text(unconfirmed.html)).toContain("answers to this questionnaire are to be deleted");
    const { rows } = await sql<{ id: number }>`select id from outcome_questionnaires where group_actor_id = ${groupId}`.execute(a.kindred.database.db);
    const q = sql`questionnaire_id = ${rows[0].id}`;
    expect(await count("outcome_answers", q)).toBeGreaterThan(0);
    const deleted = await ownerWeb.post(`/g/${groupId}/outcomes/delete`, { confirm: "yes" }, page.html);
    expect(deleted.url.search).toBe("?done=deleted-questionnaire");
    expect(deleted.html).toContain("This group runs no questionnaire yet.");
    for (const table of ["outcome_answers", "outcome_consents", "outcome_period_summaries"]) expect(await count(table, q)).toBe(0);
    expect((await api(m[5], "GET", `/groups/${groupId}/outcomes`)).status).toBe(404);
    // The access log keeps its record of the exports.
    expect((await apiOk(owner, "GET", `/groups/${groupId}/access-log`)).entries.length).toBeGreaterThan(0);
  });
});
